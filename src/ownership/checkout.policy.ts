import type { IssueStatus } from '../issues/issue.entity';
import { fenceCallerRun } from './fence.policy';
import { holderState } from './liveness.policy';
import { IssueState, PolicyActor, refuse, Refusal, RunStates } from './policy-types';

export interface CheckoutRequest {
  agentId: string;
  expectedStatuses: readonly IssueStatus[];
}

export type CheckoutDecision =
  /** The caller already holds it: return the row unchanged, no audit. */
  | { kind: 'idempotent' }
  /** In progress, assigned to the caller, unowned: both locks become the caller's run. */
  | { kind: 'adopt'; runId: string }
  /** The primary path: in_progress, assigned to the agent, locks to `runId` (null: a board checkout, left unowned). */
  | { kind: 'take'; runId: string | null }
  | Refusal;

/** §3: an agent checks out only for itself. Judged before any lock is taken. */
export function checkoutForItself(actor: PolicyActor, agentId: string): Refusal | null {
  if (actor.type === 'agent' && agentId !== actor.agentId) {
    return refuse('checkout_as_other_agent', 'An agent can only check out for itself', { agentId, actorAgentId: actor.agentId });
  }
  return null;
}

/**
 * §3, on the issue row after its stale locks were cleared under the row lock. Unresolved blockers
 * (422) are the caller's to check on a `take`: they need a read of their own.
 */
export function decideCheckout(issue: IssueState, runs: RunStates, actor: PolicyActor, request: CheckoutRequest): CheckoutDecision {
  const notForItself = checkoutForItself(actor, request.agentId);
  if (notForItself) return notForItself;
  let runId: string | null = null;
  if (actor.type === 'agent') {
    const fence = fenceCallerRun(actor, runs);
    if (fence.kind === 'refuse') return fence;
    runId = fence.runId;
  }

  const heldByAgent = issue.status === 'in_progress' && issue.assignee_agent_id === request.agentId;
  // A board checkout on behalf repeats idempotently while the issue stays unowned (docs/ownership.md 4).
  if (heldByAgent && issue.checkout_run_id === runId && (runId || !issue.execution_run_id)) return { kind: 'idempotent' };
  if (heldByAgent && runId && !issue.checkout_run_id && (!issue.execution_run_id || issue.execution_run_id === runId)) {
    return { kind: 'adopt', runId };
  }
  const free =
    request.expectedStatuses.includes(issue.status) &&
    !issue.assignee_user_id &&
    (!issue.assignee_agent_id || issue.assignee_agent_id === request.agentId) &&
    !issue.checkout_run_id &&
    !issue.execution_run_id;
  if (free) return { kind: 'take', runId };

  const holder = issue.checkout_run_id ?? issue.execution_run_id;
  return refuse('checkout_conflict', 'The issue cannot be checked out: it is taken or not in an expected status', {
    issueId: issue.id,
    status: issue.status,
    assigneeAgentId: issue.assignee_agent_id,
    assigneeUserId: issue.assignee_user_id,
    checkoutRunId: issue.checkout_run_id,
    executionRunId: issue.execution_run_id,
    holderRunStatus: holder ? holderState(runs.get(holder)) : null,
  });
}
