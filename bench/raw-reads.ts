import type { BenchAgent } from './fixtures';
import { keyHash, RawSession } from './raw-sql';

/*
 * The raw floor of the `read` scenario: each call authenticates the agent key and runs the API's
 * statements for that route (src/issues/issues.service.ts list/get, src/issues/issue-blockers.ts,
 * src/runs/live-runs.service.ts activeForIssues, src/audit/activity.service.ts), one after the
 * other on the worker's own connection, every statement named.
 */

const PRIORITY_ORDER = `(CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END)`;
const LIST_COLUMNS = `*, ${PRIORITY_ORDER} AS list_rank, updated_at::text AS list_updated_at`;
const LIST_ORDER = `${PRIORITY_ORDER}, updated_at DESC, id`;
/** The page after a cursor: three index ranges in list order, merged (src/issues/issues.repository.ts list). */
const afterCursor = (range: string) =>
  `(SELECT ${LIST_COLUMNS} FROM issues WHERE company_id = $1 AND hidden_at IS NULL AND ${range} ORDER BY ${LIST_ORDER} LIMIT $5::bigint + $6::bigint)`;
const INBOX_STATUSES = ['todo', 'in_progress', 'in_review', 'blocked'];

const SQL = {
  authByIdentifier: `SELECT a.id, a.company_id, a.status, i.id AS issue_id, i.company_id AS issue_company_id
                       FROM agent_api_keys k JOIN agents a ON a.id = k.agent_id LEFT JOIN issues i ON lower(i.identifier) = lower($2)
                      WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
  issue: 'SELECT * FROM issues WHERE id = $1',
  relations: `SELECT issue_id, related_issue_id FROM issue_relations
               WHERE type = 'blocks' AND (issue_id = $1 OR related_issue_id = $1) ORDER BY created_at, id`,
  list: `SELECT ${LIST_COLUMNS} FROM issues WHERE company_id = $1 AND hidden_at IS NULL
          ORDER BY ${LIST_ORDER} LIMIT $2 OFFSET $3`,
  nextPage: `SELECT * FROM (${[
    afterCursor(`${PRIORITY_ORDER} = $2::int AND updated_at = $3::timestamptz AND id > $4::uuid`),
    afterCursor(`${PRIORITY_ORDER} = $2::int AND updated_at < $3::timestamptz`),
    afterCursor(`${PRIORITY_ORDER} > $2::int`),
  ].join(' UNION ALL ')}) page ORDER BY list_rank, updated_at DESC, id LIMIT $5 OFFSET $6`,
  inbox: `SELECT ${LIST_COLUMNS} FROM issues WHERE company_id = $1 AND hidden_at IS NULL AND status = ANY($2::text[]) AND assignee_agent_id = $3
           ORDER BY ${LIST_ORDER} LIMIT $4 OFFSET $5`,
  activeRuns: `SELECT DISTINCT ON (i.id) i.id AS for_issue_id, r.*
                 FROM issues i
                 JOIN (SELECT * FROM heartbeat_runs WHERE company_id = $1 AND status IN ('queued', 'running')) r
                   ON r.issue_id = i.id OR r.id = i.execution_run_id OR r.id = i.checkout_run_id
                WHERE i.id = ANY($2::uuid[])
                ORDER BY i.id, (r.status = 'running') DESC, (r.id IS NOT DISTINCT FROM i.execution_run_id) DESC, r.created_at DESC, r.id DESC`,
  activity: `SELECT * FROM activity_log WHERE company_id = $1 AND entity_type = 'issue' AND entity_id = $2
              ORDER BY created_at DESC, id DESC LIMIT $3`,
};

async function issueWithRelations(db: RawSession, issueId: string): Promise<unknown> {
  const [issue] = await db.rows(SQL.issue, [issueId]);
  if (!issue) throw new Error('raw: issue missing');
  return { issue, relations: await db.rows(SQL.relations, [issueId]) };
}

export const rawReads = {
  async byId(db: RawSession, agent: BenchAgent, issueId: string): Promise<unknown> {
    await db.authenticate(agent, issueId);
    return issueWithRelations(db, issueId);
  },

  async byIdentifier(db: RawSession, agent: BenchAgent, identifier: string): Promise<unknown> {
    const [auth] = await db.rows(SQL.authByIdentifier, [keyHash(agent.key), identifier]);
    if (!auth?.issue_id || auth.issue_company_id !== auth.company_id) throw new Error('raw: issue not found');
    return issueWithRelations(db, auth.issue_id);
  },

  async page(db: RawSession, agent: BenchAgent, companyId: string, limit: number, offset: number): Promise<unknown[]> {
    const auth = await db.authenticate(agent, null);
    if (auth.company_id !== companyId) throw new Error('raw: company access denied');
    return db.rows(SQL.list, [companyId, limit, offset]);
  },

  /** `cursor` is the API's X-Next-Cursor, decoded as the server does (src/issues/issue-list-cursor.ts). */
  async nextPage(db: RawSession, agent: BenchAgent, companyId: string, limit: number, cursor: string): Promise<unknown[]> {
    const auth = await db.authenticate(agent, null);
    if (auth.company_id !== companyId) throw new Error('raw: company access denied');
    const [rank, updatedAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [number, string, string];
    return db.rows(SQL.nextPage, [companyId, rank, updatedAt, id, limit, 0]);
  },

  async inbox(db: RawSession, agent: BenchAgent): Promise<unknown[]> {
    const auth = await db.authenticate(agent, null);
    const rows = await db.rows(SQL.inbox, [auth.company_id, INBOX_STATUSES, agent.id, 1000, 0]);
    if (rows.length) await db.rows(SQL.activeRuns, [auth.company_id, rows.map((r) => r.id)]);
    return rows;
  },

  async activity(db: RawSession, agent: BenchAgent, issueId: string, limit: number): Promise<unknown[]> {
    const auth = await db.authenticate(agent, issueId);
    return db.rows(SQL.activity, [auth.company_id, issueId, limit]);
  },
};
