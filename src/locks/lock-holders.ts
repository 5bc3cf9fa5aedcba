import type { EntityManager } from 'typeorm';

/** The issue columns that make up its two locks (ownership.md §1). */
export interface IssueLockRow {
  id: string;
  company_id: string;
  checkout_run_id: string | null;
  execution_run_id: string | null;
}

export type HolderStatus = string | 'missing';

/**
 * Only a `running` run holds a lock. Terminal and missing runs are stale holders, and so are
 * queued ones: a run that never started can neither take nor hold a lock (Paperclip #9874).
 */
export function holdsLock(status: HolderStatus | undefined): boolean {
  return status === 'running';
}

/**
 * Statuses of the given runs, locked FOR SHARE so none can finish while the caller decides on
 * them. Callers lock the issue row first: the lock order is always issue, then run.
 */
export async function lockRunStatuses(em: EntityManager, runIds: (string | null)[]): Promise<Map<string, HolderStatus>> {
  const ids = [...new Set(runIds.filter((id): id is string => !!id))];
  const statuses = new Map<string, HolderStatus>(ids.map((id) => [id, 'missing']));
  if (ids.length === 0) return statuses;
  const rows: { id: string; status: string }[] = await em.query(
    'SELECT id, status FROM heartbeat_runs WHERE id = ANY($1::uuid[]) ORDER BY id FOR SHARE',
    [ids],
  );
  for (const row of rows) statuses.set(row.id, row.status);
  return statuses;
}

/** SQL condition on `issues i`: some lock names a run that is not running (or does not exist). */
export const HAS_STALE_LOCK_SQL = `(
  (i.checkout_run_id IS NOT NULL AND NOT EXISTS (
     SELECT 1 FROM heartbeat_runs r WHERE r.id = i.checkout_run_id AND r.status = 'running'))
  OR (i.execution_run_id IS NOT NULL AND NOT EXISTS (
     SELECT 1 FROM heartbeat_runs r WHERE r.id = i.execution_run_id AND r.status = 'running')))`;
