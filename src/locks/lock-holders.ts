import type { EntityManager } from 'typeorm';
import { query, Statement } from '../database/sql';

/** The issue columns that make up its two locks (ownership.md §1). */
export interface IssueLockRow {
  id: string;
  company_id: string;
  checkout_run_id: string | null;
  execution_run_id: string | null;
}

/** A run row as read under FOR SHARE: enough to judge a lock holder or a caller. */
export interface LockedRun {
  status: string;
  agent_id: string;
}

export type LockedRuns = Map<string, LockedRun>;

/**
 * Only a `running` run holds a lock. Terminal and missing runs are stale holders, and so are
 * queued ones: a run that never started can neither take nor hold a lock (Paperclip #9874).
 */
export function holdsLock(run: LockedRun | undefined): boolean {
  return run?.status === 'running';
}

const LOCK_RUNS_SQL = 'SELECT id, status, agent_id FROM heartbeat_runs WHERE id = ANY($1::uuid[]) ORDER BY id FOR SHARE';

/**
 * The given runs (absent ids are missing runs), locked FOR SHARE so none can finish while the
 * caller decides on them. Callers lock the issue row first: the lock order is always issue, then run.
 */
export async function lockRuns(em: EntityManager, runIds: (string | null | undefined)[]): Promise<LockedRuns> {
  const ids = [...new Set(runIds.filter((id): id is string => !!id))];
  if (ids.length === 0) return new Map();
  return lockedRuns(await query(em, LOCK_RUNS_SQL, [ids]));
}

/**
 * Locks, like lockRuns, the runs holding an issue's locks and the caller's run. It reads the holders
 * from the issue row, so it can follow the row lock's statement in the same round trip
 * (queryInOrder); as a statement of its own it sees the row as that lock left it.
 */
export function lockRunsOfIssueStatement(issueId: string, callerRunId: string | null): Statement {
  return {
    text: `SELECT id, status, agent_id FROM heartbeat_runs
            WHERE id = ANY(ARRAY[(SELECT checkout_run_id FROM issues WHERE id = $1),
                                 (SELECT execution_run_id FROM issues WHERE id = $1), $2::uuid])
            ORDER BY id FOR SHARE`,
    values: [issueId, callerRunId],
  };
}

export function lockedRuns(rows: unknown[]): LockedRuns {
  return new Map((rows as (LockedRun & { id: string })[]).map((row) => [row.id, { status: row.status, agent_id: row.agent_id }]));
}

/** SQL condition on `issues i`: some lock names a run that is not running (or does not exist). */
export const HAS_STALE_LOCK_SQL = `(
  (i.checkout_run_id IS NOT NULL AND NOT EXISTS (
     SELECT 1 FROM heartbeat_runs r WHERE r.id = i.checkout_run_id AND r.status = 'running'))
  OR (i.execution_run_id IS NOT NULL AND NOT EXISTS (
     SELECT 1 FROM heartbeat_runs r WHERE r.id = i.execution_run_id AND r.status = 'running')))`;
