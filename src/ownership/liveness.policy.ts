import type { IssueState, RunState, RunStates } from './policy-types';

/**
 * §1: only a live run holds a lock — running, and its lease not run out. Terminal and missing runs
 * are stale holders, and so are queued ones (a run that never started can neither take nor hold a
 * lock, Paperclip #9874) and running ones whose lease expired before the sweeper got to them.
 */
export function holdsLock(run: RunState | undefined): boolean {
  return run?.live === true;
}

/** How a holder looks in audit rows and conflict details: its status, `lease_expired`, or `missing`. */
export function holderState(run: RunState | undefined): string {
  if (!run) return 'missing';
  return run.status === 'running' && !run.live ? 'lease_expired' : run.status;
}

/** The state of each run the issue's locks name, for the audit. */
export function holderStates(issue: Pick<IssueState, 'checkout_run_id' | 'execution_run_id'>, runs: RunStates): Record<string, string> {
  const ids = [issue.checkout_run_id, issue.execution_run_id].filter((id): id is string => !!id);
  return Object.fromEntries(ids.map((id) => [id, holderState(runs.get(id))]));
}
