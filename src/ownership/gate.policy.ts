import { fenceCallerRun } from './fence.policy';
import { AgentPolicyActor, IssueState, PolicyActor, refuse, Refusal, RunStates } from './policy-types';

export type GateDecision = { kind: 'allow' } | { kind: 'adopt'; runId: string } | Refusal;

export interface GateContext {
  /** The caller overrides the assignee (manager chain, ceo, canManageCheckouts); asked only when `needsOverrideCheck`. */
  overridesAssignee: boolean;
  /** Release refuses another agent's issue with 409 not_issue_assignee whatever its status (§5). */
  release?: boolean;
}

/** Whether decideGate needs to know if the caller overrides the assignee (a read of the reporting chain). */
export function needsOverrideCheck(issue: IssueState, actor: PolicyActor): boolean {
  return actor.type === 'agent' && !!issue.assignee_agent_id && issue.assignee_agent_id !== actor.agentId;
}

function conflictDetails(issue: IssueState, actor: AgentPolicyActor): Record<string, unknown> {
  return {
    issueId: issue.id,
    status: issue.status,
    assigneeAgentId: issue.assignee_agent_id,
    checkoutRunId: issue.checkout_run_id,
    executionRunId: issue.execution_run_id,
    actorAgentId: actor.agentId,
    actorRunId: actor.runId,
  };
}

/**
 * §4 (PATCH, comments) and §5 (release), on the issue row after its stale locks were cleared under
 * the row lock — so a checkout lock still set names a live run.
 */
export function decideGate(issue: IssueState, runs: RunStates, actor: PolicyActor, context: GateContext): GateDecision {
  if (actor.type === 'board') return { kind: 'allow' };
  // §8: a run id, when sent, must be the caller's live run whatever the rule below.
  let runId: string | null = null;
  if (actor.runId) {
    const fence = fenceCallerRun(actor, runs);
    if (fence.kind === 'refuse') return fence;
    runId = fence.runId;
  }
  if (!issue.assignee_agent_id) return { kind: 'allow' };
  if (issue.assignee_agent_id !== actor.agentId) {
    if (context.overridesAssignee) return { kind: 'allow' };
    const assignee = { issueId: issue.id, assigneeAgentId: issue.assignee_agent_id };
    if (context.release) return refuse('not_issue_assignee', 'Only the assignee can release the issue', assignee, 409);
    if (issue.status === 'in_progress') return refuse('checked_out_by_other_agent', 'The issue is checked out by another agent', conflictDetails(issue, actor));
    return refuse('not_issue_assignee', 'The issue is assigned to another agent', assignee);
  }
  if (issue.status !== 'in_progress') return { kind: 'allow' };
  if (!runId) return refuse('run_id_required', 'Writing to your in_progress issue needs your run: send X-Paperclip-Run-Id or use a run JWT');
  if (issue.checkout_run_id === runId) return { kind: 'allow' };
  if (!issue.checkout_run_id && (!issue.execution_run_id || issue.execution_run_id === runId)) return { kind: 'adopt', runId };
  return refuse('run_ownership_conflict', 'Another run of this agent owns the issue', conflictDetails(issue, actor));
}
