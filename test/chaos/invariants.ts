import type { Pool, PoolClient } from 'pg';
import type { LedgerEntries } from './chaos-ledger';
import { OwnershipEvent, overlappingOwners } from './owner-replay';

/** Every invariant of issue 13, each a count that must be 0, with a few offending ids to look at. */
export type InvariantName =
  | 'lock_outside_in_progress'
  | 'execution_lock_half_set'
  | 'lock_held_by_dead_run'
  | 'lock_without_checkout_audit'
  | 'acknowledged_write_missing'
  | 'overlapping_owners'
  | 'duplicate_identifiers'
  | 'issue_counter_behind';

/** A pool, or one client inside a transaction (the planted-violation tests check and roll back). */
export type Queryable = Pool | PoolClient;

export type InvariantReport = Record<InvariantName, { count: number; sample: unknown[] }>;

export interface InvariantOptions {
  /** RUN_LEASE_SECONDS of the servers. */
  leaseSeconds: number;
  /** How long after a lease ran out its locks may still stand: one sweep interval, plus slack for a fault just healed. */
  sweepGraceSeconds: number;
}

const LOCK_COLUMNS = 'checkout_run_id, execution_run_id, execution_agent_name_key, execution_locked_at';

async function ids(db: Queryable, sql: string, values: unknown[] = []): Promise<unknown[]> {
  const { rows } = await db.query(sql, values);
  return rows.map((row: Record<string, unknown>) => row.id);
}

/** Checks every invariant in SQL (the audit replay in code, over the audit rows). */
export async function checkInvariants(db: Queryable, ledger: LedgerEntries, options: InvariantOptions): Promise<InvariantReport> {
  const found: Record<InvariantName, unknown[]> = {
    lock_outside_in_progress: await ids(db, `SELECT id FROM issues WHERE status <> 'in_progress' AND num_nonnulls(${LOCK_COLUMNS}) > 0`),
    execution_lock_half_set: await ids(db, 'SELECT id FROM issues WHERE num_nulls(execution_run_id, execution_agent_name_key, execution_locked_at) NOT IN (0, 3)'),
    lock_held_by_dead_run: await ids(
      db,
      `SELECT DISTINCT i.id FROM issues i CROSS JOIN LATERAL (VALUES (i.checkout_run_id), (i.execution_run_id)) AS l(run_id)
         LEFT JOIN heartbeat_runs r ON r.id = l.run_id
        WHERE l.run_id IS NOT NULL
          AND (r.id IS NULL OR r.status <> 'running'
               OR coalesce(r.last_heartbeat_at, r.started_at) + make_interval(secs => $1) < now())`,
      [options.leaseSeconds + options.sweepGraceSeconds],
    ),
    lock_without_checkout_audit: await ids(
      db,
      `SELECT DISTINCT i.id FROM issues i CROSS JOIN LATERAL (VALUES (i.checkout_run_id), (i.execution_run_id)) AS l(run_id)
        WHERE l.run_id IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM activity_log a
           WHERE a.entity_type = 'issue' AND a.entity_id = i.id::text AND a.run_id = l.run_id
             AND (a.action IN ('issue.checked_out', 'issue.checkout_lock_adopted') OR (a.action = 'issue.updated' AND a.details->>'status' = 'in_progress')))`,
    ),
    acknowledged_write_missing: await missingAcknowledgedWrites(db, ledger),
    overlapping_owners: await overlaps(db),
    duplicate_identifiers: await ids(db, 'SELECT lower(identifier) AS id FROM issues WHERE identifier IS NOT NULL GROUP BY 1 HAVING count(*) > 1'),
    issue_counter_behind: await ids(
      db,
      'SELECT c.id FROM companies c JOIN issues i ON i.company_id = c.id GROUP BY c.id, c.issue_counter HAVING c.issue_counter < max(i.issue_number)',
    ),
  };
  return Object.fromEntries(Object.entries(found).map(([name, rows]) => [name, { count: rows.length, sample: rows.slice(0, 5) }])) as InvariantReport;
}

export function violations(report: InvariantReport): number {
  return Object.values(report).reduce((sum, { count }) => sum + count, 0);
}

async function overlaps(db: Queryable): Promise<unknown[]> {
  const { rows } = await db.query(
    `SELECT entity_id AS "issueId", action, run_id AS "runId", details, created_at AS at FROM activity_log
      WHERE entity_type = 'issue'
        AND action IN ('issue.checked_out', 'issue.checkout_lock_adopted', 'issue.released', 'issue.admin_force_release', 'issue.stale_lock_cleared', 'issue.updated')
      ORDER BY entity_id, created_at, id`,
  );
  const ended = await db.query<{ id: string; finished_at: Date }>('SELECT id, finished_at FROM heartbeat_runs WHERE finished_at IS NOT NULL');
  return overlappingOwners(rows as OwnershipEvent[], new Map(ended.rows.map((r) => [r.id, r.finished_at])));
}

/** Each acknowledged write against its row and its audit row; and each PATCHed issue's row against its last audited description. */
async function missingAcknowledgedWrites(db: Queryable, ledger: LedgerEntries): Promise<unknown[]> {
  const audited = (action: string, extra = '') =>
    `EXISTS (SELECT 1 FROM activity_log a WHERE a.entity_type = 'issue' AND a.entity_id = l.issue_id::text AND a.action ${action} ${extra})`;
  const checks: [string, unknown[]][] = [
    [
      `SELECT 'created ' || l.issue_id AS id FROM unnest($1::uuid[]) AS l(issue_id)
        WHERE NOT EXISTS (SELECT 1 FROM issues WHERE id = l.issue_id) OR NOT ${audited("= 'issue.created'")}`,
      [ledger.created.map((e) => e.issueId)],
    ],
    [
      `SELECT 'checkout ' || l.issue_id || ' by ' || l.run_id AS id FROM unnest($1::uuid[], $2::uuid[]) AS l(issue_id, run_id)
        WHERE NOT ${audited("IN ('issue.checked_out', 'issue.checkout_lock_adopted')", 'AND a.run_id = l.run_id')}`,
      [ledger.checkouts.map((e) => e.issueId), ledger.checkouts.map((e) => e.runId)],
    ],
    [
      `SELECT 'patch ' || l.issue_id || ' ' || l.description AS id FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS l(issue_id, run_id, description)
        WHERE NOT ${audited("= 'issue.updated'", "AND a.run_id = l.run_id AND a.details->>'description' = l.description")}`,
      [ledger.patches.map((e) => e.issueId), ledger.patches.map((e) => e.runId), ledger.patches.map((e) => e.description)],
    ],
    [
      `SELECT 'comment ' || l.comment_id AS id FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS l(issue_id, comment_id, body)
        WHERE NOT EXISTS (SELECT 1 FROM issue_comments c WHERE c.id = l.comment_id AND c.issue_id = l.issue_id AND c.body = l.body)
           OR NOT ${audited("= 'issue.comment_added'", "AND a.details->>'commentId' = l.comment_id::text")}`,
      [ledger.comments.map((e) => e.issueId), ledger.comments.map((e) => e.commentId), ledger.comments.map((e) => e.body)],
    ],
    [
      `SELECT 'release ' || l.issue_id || ' by ' || l.run_id AS id FROM unnest($1::uuid[], $2::uuid[]) AS l(issue_id, run_id)
        WHERE NOT ${audited("= 'issue.released'", 'AND a.run_id = l.run_id')}`,
      [ledger.releases.map((e) => e.issueId), ledger.releases.map((e) => e.runId)],
    ],
    [
      `SELECT 'finish ' || l.run_id AS id FROM unnest($1::uuid[]) AS l(run_id)
        WHERE NOT EXISTS (SELECT 1 FROM heartbeat_runs r WHERE r.id = l.run_id AND r.status = 'succeeded')
           OR NOT EXISTS (SELECT 1 FROM activity_log a WHERE a.entity_type = 'heartbeat_run' AND a.entity_id = l.run_id::text AND a.action = 'heartbeat.finished')`,
      [ledger.finishedRuns.map((e) => e.runId)],
    ],
    [
      // The row keeps what its newest audited description says (a write acknowledged, then lost from the row, shows here).
      `SELECT 'row ' || i.id || ' description' AS id FROM issues i
         JOIN LATERAL (SELECT a.details->>'description' AS description FROM activity_log a
                        WHERE a.entity_type = 'issue' AND a.entity_id = i.id::text AND a.action = 'issue.updated' AND a.details ? 'description'
                        ORDER BY a.created_at DESC, a.id DESC LIMIT 1) last ON true
        WHERE i.id = ANY($1::uuid[]) AND i.description IS DISTINCT FROM last.description`,
      [[...new Set(ledger.patches.map((e) => e.issueId))]],
    ],
  ];
  const missing: unknown[] = [];
  for (const [sql, values] of checks) missing.push(...(await ids(db, sql, values)));
  return missing;
}
