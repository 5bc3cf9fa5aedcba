import type { IssueStatus } from '../issues/issue.entity';
import { fenceCallerRun } from './fence.policy';
import { IssueState, PolicyActor, Refusal, RunStates } from './policy-types';

/** What a write does to the issue's four lock columns. */
export type LockPlan =
  | { kind: 'keep' }
  | { kind: 'clear' }
  /** Both locks to `runId`; null leaves the issue unowned in_progress for the assignee's next run. */
  | { kind: 'take'; runId: string | null };

export interface NextAssignment {
  status: IssueStatus;
  assigneeAgentId: string | null;
  assigneeUserId: string | null;
}

/**
 * §2, "locks follow the row", for PATCH (`issue` = the locked row) and creation (`issue` = null):
 * an agent moving its own issue into in_progress takes the locks for its live run, a board user
 * leaves it unowned; leaving in_progress or changing the assignee clears them; anything else keeps them.
 */
export function locksAfterChange(issue: IssueState | null, next: NextAssignment, actor: PolicyActor, runs: RunStates): LockPlan | Refusal {
  const entering = next.status === 'in_progress' && issue?.status !== 'in_progress';
  if (entering) {
    if (actor.type === 'agent' && next.assigneeAgentId === actor.agentId) {
      const fence = fenceCallerRun(actor, runs);
      return fence.kind === 'refuse' ? fence : { kind: 'take', runId: fence.runId };
    }
    return issue?.checkout_run_id || issue?.execution_run_id ? { kind: 'clear' } : { kind: 'keep' };
  }
  if (!issue || (!issue.checkout_run_id && !issue.execution_run_id)) return { kind: 'keep' };
  const assigneeChanged = next.assigneeAgentId !== issue.assignee_agent_id || next.assigneeUserId !== issue.assignee_user_id;
  return next.status !== 'in_progress' || assigneeChanged ? { kind: 'clear' } : { kind: 'keep' };
}
