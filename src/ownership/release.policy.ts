import type { IssueStatus } from '../issues/issue.entity';
import type { IssueState, RunStates } from './policy-types';

/** Finished work keeps the agent who did it through a release (Paperclip #14561). */
const FINISHED: readonly IssueStatus[] = ['done', 'cancelled'];

export interface ReleasePlan {
  /** in_progress falls back to todo; any other status stays (a done issue is never reopened). */
  status: IssueStatus;
  clearAgentAssignee: boolean;
}

/** §5, after the gate passed. All four lock columns are always cleared. */
export function decideRelease(issue: IssueState): ReleasePlan {
  return {
    status: issue.status === 'in_progress' ? 'todo' : issue.status,
    clearAgentAssignee: !FINISHED.includes(issue.status),
  };
}

/**
 * §9: the holder runs a force-release revokes (cancels): those named by either lock that are still
 * live. `runs` are the holders as locked FOR UPDATE under the issue row lock.
 */
export function holdersToRevoke(issue: Pick<IssueState, 'checkout_run_id' | 'execution_run_id'>, runs: RunStates): string[] {
  const ids = [...new Set([issue.checkout_run_id, issue.execution_run_id])].filter((id): id is string => !!id);
  return ids.filter((id) => runs.get(id)?.live === true).sort();
}
