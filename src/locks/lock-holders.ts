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

/** SQL condition on `issues i`: some lock names a run that is not live (or does not exist). */
export function hasStaleLockSql(leaseSecondsParam: string): string {
  const holderIsLive = (column: string) =>
    `EXISTS (SELECT 1 FROM heartbeat_runs r WHERE r.id = i.${column} AND ${runIsLive(leaseSecondsParam, 'r')})`;
  return `((i.checkout_run_id IS NOT NULL AND NOT ${holderIsLive('checkout_run_id')})
        OR (i.execution_run_id IS NOT NULL AND NOT ${holderIsLive('execution_run_id')}))`;
}
