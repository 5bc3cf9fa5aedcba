import type { EntityManager } from 'typeorm';
import { query, Statement } from '../database/sql';
import type { RunState } from '../ownership/policy-types';
import { runIsLive } from './run-liveness';

/** The issue columns that make up its two locks (ownership.md §1). */
export interface IssueLockRow {
  id: string;
  company_id: string;
  checkout_run_id: string | null;
  execution_run_id: string | null;
}

/** Runs as locked in this transaction, by id (absent: a missing run), with `live` judged in that statement. */
export type LockedRuns = Map<string, RunState>;

const LOCKED_RUN_COLUMNS = `id, status, agent_id, ${runIsLive('$2')} AS live`;

/**
 * The given runs (absent ids are missing runs), locked FOR SHARE so none can finish while the
 * caller decides on them. Callers lock the issue row first: the lock order is always issue, then run.
 */
export async function lockRuns(em: EntityManager, runIds: (string | null | undefined)[], leaseSeconds: number): Promise<LockedRuns> {
  const ids = [...new Set(runIds.filter((id): id is string => !!id))];
  if (ids.length === 0) return new Map();
  return lockedRuns(await query(em, `SELECT ${LOCKED_RUN_COLUMNS} FROM heartbeat_runs WHERE id = ANY($1::uuid[]) ORDER BY id FOR SHARE`, [ids, leaseSeconds]));
}

/**
 * Locks, like lockRuns, the runs holding an issue's locks and the caller's run. It reads the holders
 * from the issue row, so it can follow the row lock's statement in the same round trip
 * (queryInOrder); as a statement of its own it sees the row as that lock left it.
 */
export function lockRunsOfIssueStatement(issueId: string, callerRunId: string | null, leaseSeconds: number): Statement {
  return {
    text: `SELECT ${LOCKED_RUN_COLUMNS} FROM heartbeat_runs
            WHERE id = ANY(ARRAY[(SELECT checkout_run_id FROM issues WHERE id = $1),
                                 (SELECT execution_run_id FROM issues WHERE id = $1), $3::uuid])
            ORDER BY id FOR SHARE`,
    values: [issueId, leaseSeconds, callerRunId],
  };
}

export function lockedRuns(rows: unknown[]): LockedRuns {
  return new Map((rows as (RunState & { id: string })[]).map((row) => [row.id, { status: row.status, agent_id: row.agent_id, live: row.live }]));
}

/** SQL condition on `issues i`: some lock names a run that is not live (or does not exist). */
export function hasStaleLockSql(leaseSecondsParam: string): string {
  const holderIsLive = (column: string) =>
    `EXISTS (SELECT 1 FROM heartbeat_runs r WHERE r.id = i.${column} AND ${runIsLive(leaseSecondsParam, 'r')})`;
  return `((i.checkout_run_id IS NOT NULL AND NOT ${holderIsLive('checkout_run_id')})
        OR (i.execution_run_id IS NOT NULL AND NOT ${holderIsLive('execution_run_id')}))`;
}
