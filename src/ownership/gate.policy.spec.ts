import { decideGate, needsOverrideCheck } from './gate.policy';
import { AGENT, agentWith, anIssue, BOARD, OTHER_AGENT, RUN, RUN2, runs } from './policy.fixtures';
import type { IssueState, PolicyActor } from './policy-types';

/** ownership.md §4 (PATCH, comments) and the §5 release variant, row by row. */
describe('decideGate (§4, §5)', () => {
  const live = runs({ [RUN]: 'live', [RUN2]: 'live', failed: 'failed', expired: 'expired' });
  const gate = (issue: IssueState, actor: PolicyActor = agentWith(RUN), context: { overridesAssignee?: boolean; release?: boolean } = {}) =>
    decideGate(issue, live, actor, { overridesAssignee: false, ...context });

  const mine = (fields: Partial<IssueState>) => anIssue({ assignee_agent_id: AGENT, ...fields });
  const theirs = (fields: Partial<IssueState>) => anIssue({ assignee_agent_id: OTHER_AGENT, ...fields });

  it.each([
    ['a board user, whatever the row', theirs({ status: 'in_progress', checkout_run_id: RUN2 }), BOARD, { kind: 'allow' }],
    ['1. unassigned', anIssue({ status: 'todo' }), agentWith(RUN), { kind: 'allow' }],
    ['1. assigned to a human', anIssue({ status: 'in_progress', assignee_user_id: 'u' }), agentWith(RUN), { kind: 'allow' }],
    ['1. unassigned, no run id at all', anIssue({ status: 'todo' }), agentWith(null), { kind: 'allow' }],
    ['3. the caller’s, not in progress', mine({ status: 'in_review' }), agentWith(RUN), { kind: 'allow' }],
    ['3. the caller’s, not in progress, without a run', mine({ status: 'todo' }), agentWith(null), { kind: 'allow' }],
    ['4. the caller’s run holds the checkout lock', mine({ status: 'in_progress', checkout_run_id: RUN, execution_run_id: RUN }), agentWith(RUN), { kind: 'allow' }],
    ['4. unowned: adopt', mine({ status: 'in_progress' }), agentWith(RUN), { kind: 'adopt', runId: RUN }],
    ['4. unowned, execution lock the caller’s: adopt', mine({ status: 'in_progress', execution_run_id: RUN }), agentWith(RUN), { kind: 'adopt', runId: RUN }],
  ] as const)('%s → %o', (_, issue, actor, expected) => {
    expect(gate(issue, actor)).toEqual(expected);
  });

  it.each([
    ['4. no run id on the caller’s in_progress issue', mine({ status: 'in_progress' }), agentWith(null), 'run_id_required', undefined],
    ['4. another live run of the caller holds it', mine({ status: 'in_progress', checkout_run_id: RUN2, execution_run_id: RUN2 }), agentWith(RUN), 'run_ownership_conflict', undefined],
    ['4. unowned checkout, execution lock another run’s', mine({ status: 'in_progress', execution_run_id: RUN2 }), agentWith(RUN), 'run_ownership_conflict', undefined],
    ['2. another agent’s, in progress', theirs({ status: 'in_progress', checkout_run_id: RUN2 }), agentWith(RUN), 'checked_out_by_other_agent', undefined],
    ['2. another agent’s, not in progress', theirs({ status: 'todo' }), agentWith(RUN), 'not_issue_assignee', undefined],
    ['§8 fencing: a failed run, even on an unassigned issue', anIssue({ status: 'todo' }), agentWith('failed'), 'run_not_live', undefined],
    ['§8 fencing: a lease-expired run, even on the caller’s own non-in_progress issue', mine({ status: 'todo' }), agentWith('expired'), 'run_not_live', undefined],
    ['§8 fencing: a missing run', anIssue({ status: 'todo' }), agentWith('gone'), 'run_not_owned', undefined],
  ] as const)('%s → %s', (_, issue, actor, code, status) => {
    const decision = gate(issue, actor);
    expect(decision).toMatchObject({ kind: 'refuse', code });
    if (decision.kind === 'refuse') expect(decision.status).toBe(status);
  });

  it('conflict details name the row and the caller', () => {
    expect(gate(mine({ status: 'in_progress', checkout_run_id: RUN2, execution_run_id: RUN2 }))).toMatchObject({
      details: { issueId: 'issue-1', status: 'in_progress', assigneeAgentId: AGENT, checkoutRunId: RUN2, executionRunId: RUN2, actorAgentId: AGENT, actorRunId: RUN },
    });
  });

  it.each([
    ['in progress', 'in_progress'],
    ['todo', 'todo'],
  ] as const)('2. a manager (or ceo, canManageCheckouts) overrides the assignee of a %s issue', (_, status) => {
    expect(gate(theirs({ status, checkout_run_id: RUN2 }), agentWith(RUN), { overridesAssignee: true })).toEqual({ kind: 'allow' });
  });

  it('§5 release of another agent’s issue → 409 not_issue_assignee whatever the status', () => {
    for (const status of ['todo', 'in_progress', 'done'] as const) {
      expect(gate(theirs({ status }), agentWith(RUN), { release: true })).toMatchObject({ kind: 'refuse', code: 'not_issue_assignee', status: 409 });
    }
  });

  it('asks for the override check only when another agent is the assignee', () => {
    expect(needsOverrideCheck(theirs({}), agentWith(RUN))).toBe(true);
    expect(needsOverrideCheck(mine({}), agentWith(RUN))).toBe(false);
    expect(needsOverrideCheck(anIssue({}), agentWith(RUN))).toBe(false);
    expect(needsOverrideCheck(theirs({}), BOARD)).toBe(false);
  });
});
