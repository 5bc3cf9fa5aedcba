import type { Pool } from 'pg';

/**
 * Columns a refused request may still touch: key bookkeeping written as soon as a credential is
 * recognised (at most once a minute), before any rule is checked. Nothing else may change.
 */
const BOOKKEEPING: Record<string, string[]> = {
  board_api_keys: ['last_used_at'],
  agent_api_keys: ['last_used_at'],
};

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * One cheap query whose answer changes whenever any row of any table in the public schema is
 * inserted, updated or deleted: per table its row count and the newest row version's xmin (every
 * insert or update writes a version with a newer transaction id), or, where bookkeeping columns
 * are left out, a digest of the rows without them. Tables are read from the catalog, so a table
 * added later is covered too.
 */
export async function fingerprintQuery(db: Pool): Promise<string> {
  const { rows } = await db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  const parts = rows.map(({ table_name: table }) => {
    const skip = BOOKKEEPING[table];
    const value = skip
      ? `(SELECT count(*) || '/' || coalesce(md5(string_agg((to_jsonb(t) ${skip.map((c) => `- '${c}'`).join(' ')})::text, ',' ORDER BY (to_jsonb(t) ->> 'id'))), '') FROM ${quote(table)} t)`
      : `(SELECT count(*) || '/' || coalesce(max(xmin::text::bigint), 0) FROM ${quote(table)})`;
    return `'${table}', ${value}`;
  });
  return `SELECT json_build_object(${parts.join(', ')}) AS fp`;
}

export type Fingerprint = Record<string, string>;

/** Reads the fingerprint with a prepared query (see fingerprintQuery). */
export async function databaseFingerprinter(db: Pool): Promise<() => Promise<Fingerprint>> {
  const text = await fingerprintQuery(db);
  return async () => (await db.query<{ fp: Fingerprint }>({ name: 'clasp-db-fingerprint', text })).rows[0].fp;
}

/** The tables whose fingerprint differs, with before → after. */
export function fingerprintDiff(before: Fingerprint, after: Fingerprint): Record<string, string> {
  const tables = new Set([...Object.keys(before), ...Object.keys(after)]);
  return Object.fromEntries([...tables].filter((t) => before[t] !== after[t]).map((t) => [t, `${before[t]} → ${after[t]}`]));
}

const newestXmin = (fp: Fingerprint, table: string) => fp[table].split('/')[1];

/**
 * The tables a refused request changed, less the one write ownership.md §6 makes on purpose for
 * an ownership-checked request that passed validation: stale locks of dead runs cleared in a
 * transaction of its own (each with its `issue.stale_lock_cleared` audit row), which the request
 * that is then refused does not undo. Anything else is reported.
 */
export async function unexplainedChanges(db: Pool, before: Fingerprint, after: Fingerprint): Promise<Record<string, string>> {
  const changed = fingerprintDiff(before, after);
  const tables = Object.keys(changed).sort().join(',');
  if (tables !== 'activity_log,issues' || before.issues.split('/')[0] !== after.issues.split('/')[0]) return changed;
  const { rows } = await db.query(
    `SELECT (SELECT count(*) FROM activity_log WHERE xmin::text::bigint > $1 AND action <> 'issue.stale_lock_cleared')::int AS other_audit,
            (SELECT count(*) FROM issues i WHERE xmin::text::bigint > $2 AND (i.checkout_run_id IS NOT NULL OR NOT EXISTS (
               SELECT 1 FROM activity_log a WHERE a.xmin::text::bigint > $1 AND a.action = 'issue.stale_lock_cleared' AND a.entity_id = i.id::text)))::int AS other_issues`,
    [newestXmin(before, 'activity_log'), newestXmin(before, 'issues')],
  );
  return rows[0].other_audit === 0 && rows[0].other_issues === 0 ? {} : changed;
}
