import { decideCheckout } from './checkout.policy';
import { anIssue, AGENT, agentWith, BOARD, OTHER_AGENT, runs, RUN, RUN2 } from './policy.fixtures';

/** ownership.md §3, row by row. Issues are as the handler sees them: after stale locks were cleared. */
describe('decideCheckout (§3)', () => {
  const live = runs({ [RUN]: 'live', [RUN2]: 'live' });
  const ask = (expectedStatuses = ['todo', 'backlog'] as const) => ({ agentId: AGENT, expectedStatuses: [...expectedStatuses] });

  it.each([
    ['the primary path: todo, unassigned, no locks', anIssue({ status: 'todo' }), { kind: 'take', runId: RUN }],
    ['todo, assigned to the caller', anIssue({ status: 'todo', assignee_agent_id: AGENT }), { kind: 'take', runId: RUN }],
    ['idempotent: in_progress, the caller’s run holds it', anIssue({ status: 'in_progress', assignee_agent_id: AGENT, checkout_run_id: RUN, execution_run_id: RUN }), { kind: 'idempotent' }],
    ['adopt: in_progress, assigned to the caller, unowned', anIssue({ status: 'in_progress', assignee_agent_id: AGENT }), { kind: 'adopt', runId: RUN }],
    ['adopt: unowned checkout, execution lock already the caller’s', anIssue({ status: 'in_progress', assignee_agent_id: AGENT, execution_run_id: RUN }), { kind: 'adopt', runId: RUN }],
  ] as const)('%s', (_, issue, expected) => {
    expect(decideCheckout(issue, live, agentWith(RUN), ask())).toEqual(expected);
  });

  it.each([
    ['status not expected', anIssue({ status: 'blocked' })],
    ['assigned to another agent', anIssue({ status: 'todo', assignee_agent_id: OTHER_AGENT })],
    ['assigned to a human (Better: Paperclip let agents steal it)', anIssue({ status: 'todo', assignee_user_id: 'user-1' })],
    ['another live run of the agent holds it', anIssue({ status: 'in_progress', assignee_agent_id: AGENT, checkout_run_id: RUN2, execution_run_id: RUN2 })],
    ['unowned checkout, execution lock another run’s', anIssue({ status: 'in_progress', assignee_agent_id: AGENT, execution_run_id: RUN2 })],
    ['another agent holds it in progress', anIssue({ status: 'in_progress', assignee_agent_id: OTHER_AGENT, checkout_run_id: RUN2, execution_run_id: RUN2 })],
  ])('409 checkout_conflict: %s', (_, issue) => {
    const decision = decideCheckout(issue, live, agentWith(RUN), ask());
    expect(decision).toMatchObject({ kind: 'refuse', code: 'checkout_conflict' });
    expect(decision.kind === 'refuse' && decision.details).toEqual({
      issueId: issue.id,
      status: issue.status,
      assigneeAgentId: issue.assignee_agent_id,
      assigneeUserId: issue.assignee_user_id,
      checkoutRunId: issue.checkout_run_id,
      executionRunId: issue.execution_run_id,
      holderRunStatus: issue.checkout_run_id || issue.execution_run_id ? 'running' : null,
    });
  });

  it('the agent skill’s expectedStatuses take an in_review issue', () => {
    const decision = decideCheckout(anIssue({ status: 'in_review' }), live, agentWith(RUN), ask(['todo', 'backlog', 'blocked', 'in_review'] as never));
    expect(decision).toEqual({ kind: 'take', runId: RUN });
  });

  it.each([
    ['no run id', agentWith(null), 'run_id_required'],
    ['a run of another agent', { type: 'agent' as const, agentId: AGENT, runId: 'foreign' }, 'run_not_owned'],
    ['a missing run', agentWith('gone'), 'run_not_owned'],
    ['a lease-expired run', agentWith('expired'), 'run_not_live'],
    ['a queued run', agentWith('queued'), 'run_not_live'],
    ['a failed run', agentWith('failed'), 'run_not_live'],
  ])('an agent with %s is fenced before anything else', (_, actor, code) => {
    const states = runs({ foreign: 'live-other', expired: 'expired', queued: 'queued', failed: 'failed' });
    expect(decideCheckout(anIssue({ status: 'todo' }), states, actor, ask())).toMatchObject({ kind: 'refuse', code });
  });

  it('an agent checking out for another → 403 checkout_as_other_agent', () => {
    expect(decideCheckout(anIssue({ status: 'todo' }), live, agentWith(RUN), { agentId: OTHER_AGENT, expectedStatuses: ['todo'] })).toMatchObject({
      kind: 'refuse',
      code: 'checkout_as_other_agent',
      details: { agentId: OTHER_AGENT, actorAgentId: AGENT },
    });
  });

  it('a board checkout on behalf leaves the issue unowned, and repeats idempotently while it stays so', () => {
    expect(decideCheckout(anIssue({ status: 'todo' }), live, BOARD, ask())).toEqual({ kind: 'take', runId: null });
    expect(decideCheckout(anIssue({ status: 'in_progress', assignee_agent_id: AGENT }), live, BOARD, ask())).toEqual({ kind: 'idempotent' });
    expect(
      decideCheckout(anIssue({ status: 'in_progress', assignee_agent_id: AGENT, checkout_run_id: RUN, execution_run_id: RUN }), live, BOARD, ask()),
    ).toMatchObject({ kind: 'refuse', code: 'checkout_conflict' });
  });
});
