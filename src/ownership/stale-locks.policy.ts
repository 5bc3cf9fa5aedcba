import { holdsLock } from './liveness.policy';
import type { IssueState, RunStates } from './policy-types';

/** Which lock columns to clear, by the run id observed in each (compare-and-clear). */
export interface LocksToClear {
  checkoutRunId: string | null;
  executionRunId: string | null;
}

type IssueLocks = Pick<IssueState, 'checkout_run_id' | 'execution_run_id'>;

function orNull(locks: LocksToClear): LocksToClear | null {
  return locks.checkoutRunId || locks.executionRunId ? locks : null;
}

/** §6: the issue's locks whose run holds nothing (terminal, missing, queued, lease expired); null when none. */
export function staleLocks(issue: IssueLocks, runs: RunStates): LocksToClear | null {
  const stale = (runId: string | null) => (runId && !holdsLock(runs.get(runId)) ? runId : null);
  return orNull({ checkoutRunId: stale(issue.checkout_run_id), executionRunId: stale(issue.execution_run_id) });
}

/** §7: a run's end clears only the locks that name that run — a successor's lock is never touched. */
export function locksOfRun(issue: IssueLocks, runId: string): LocksToClear | null {
  return orNull({
    checkoutRunId: issue.checkout_run_id === runId ? runId : null,
    executionRunId: issue.execution_run_id === runId ? runId : null,
  });
}
