import type { IssueStatus } from '../issues/issue.entity';
import { fenceCallerRun } from './fence.policy';
import { holderState, holdsLock, holderStates } from './liveness.policy';
import { locksAfterChange } from './locks-after-change.policy';
import { AGENT, agentWith, anIssue, BOARD, OTHER_AGENT, RUN, RUN2, runs } from './policy.fixtures';
import { decideRelease, holdersToRevoke } from './release.policy';
import { locksOfRun, staleLocks } from './stale-locks.policy';

describe('liveness (§1)', () => {
  const states = runs({ live: 'live', expired: 'expired', queued: 'queued', failed: 'failed', succeeded: 'succeeded', cancelled: 'cancelled', timed_out: 'timed_out' });
  it.each([
    ['live', true, 'running'],
    ['expired', false, 'lease_expired'],
    ['queued', false, 'queued'],
    ['failed', false, 'failed'],
    ['succeeded', false, 'succeeded'],
    ['cancelled', false, 'cancelled'],
    ['timed_out', false, 'timed_out'],
    ['missing', false, 'missing'],
  ])('a %s run holds a lock: %s (audited as %s)', (id, holds, shown) => {
    expect(holdsLock(states.get(id))).toBe(holds);
    expect(holderState(states.get(id))).toBe(shown);
  });

  it('names each holder of an issue once', () => {
    expect(holderStates(anIssue({ checkout_run_id: 'failed', execution_run_id: 'gone' }), states)).toEqual({ failed: 'failed', gone: 'missing' });
  });
});

describe('fenceCallerRun (§8)', () => {
  const states = runs({ [RUN]: 'live', other: 'live-other', expired: 'expired', queued: 'queued', failed: 'failed' });
  it.each([
    [RUN, { kind: 'live', runId: RUN }],
    [null, { kind: 'refuse', code: 'run_id_required' }],
    ['gone', { kind: 'refuse', code: 'run_not_owned' }],
    ['other', { kind: 'refuse', code: 'run_not_owned' }],
    ['expired', { kind: 'refuse', code: 'run_not_live', details: { runId: 'expired', runStatus: 'running', leaseExpired: true } }],
    ['queued', { kind: 'refuse', code: 'run_not_live', details: { runId: 'queued', runStatus: 'queued', leaseExpired: false } }],
    ['failed', { kind: 'refuse', code: 'run_not_live', details: { runStatus: 'failed' } }],
  ])('run %s → %o', (runId, expected) => {
    expect(fenceCallerRun(agentWith(runId), states)).toMatchObject(expected);
  });
});

describe('staleLocks (§6) and locksOfRun (§7)', () => {
  const states = runs({ live: 'live', failed: 'failed', expired: 'expired', queued: 'queued' });
  it.each([
    ['both live', { checkout_run_id: 'live', execution_run_id: 'live' }, null],
    ['no locks', {}, null],
    ['checkout failed, execution live', { checkout_run_id: 'failed', execution_run_id: 'live' }, { checkoutRunId: 'failed', executionRunId: null }],
    ['execution missing', { checkout_run_id: 'live', execution_run_id: 'gone' }, { checkoutRunId: null, executionRunId: 'gone' }],
    ['both lease-expired', { checkout_run_id: 'expired', execution_run_id: 'expired' }, { checkoutRunId: 'expired', executionRunId: 'expired' }],
    ['a queued holder (Paperclip #9874)', { checkout_run_id: 'queued', execution_run_id: null }, { checkoutRunId: 'queued', executionRunId: null }],
  ])('%s', (_, locks, expected) => {
    expect(staleLocks(anIssue(locks), states)).toEqual(expected);
  });

  it.each([
    ['both the run’s', { checkout_run_id: RUN, execution_run_id: RUN }, { checkoutRunId: RUN, executionRunId: RUN }],
    ['a successor holds the execution lock', { checkout_run_id: RUN, execution_run_id: RUN2 }, { checkoutRunId: RUN, executionRunId: null }],
    ['a successor holds both (ABA)', { checkout_run_id: RUN2, execution_run_id: RUN2 }, null],
  ])('a run’s end clears only its own locks: %s', (_, locks, expected) => {
    expect(locksOfRun(anIssue(locks), RUN)).toEqual(expected);
  });
});

describe('locksAfterChange (§2: locks follow the row)', () => {
  const states = runs({ [RUN]: 'live', failed: 'failed' });
  const held = anIssue({ status: 'in_progress', assignee_agent_id: AGENT, checkout_run_id: RUN, execution_run_id: RUN });
  const next = (status: IssueStatus, assigneeAgentId: string | null = AGENT, assigneeUserId: string | null = null) => ({ status, assigneeAgentId, assigneeUserId });

  it.each([
    ['an agent moves its own issue into in_progress: its run takes them', anIssue({ status: 'todo', assignee_agent_id: AGENT }), next('in_progress'), agentWith(RUN), { kind: 'take', runId: RUN }],
    ['a board user moves it into in_progress: unowned', anIssue({ status: 'todo', assignee_agent_id: AGENT }), next('in_progress'), BOARD, { kind: 'keep' }],
    ['an agent moves another agent’s issue into in_progress: unowned', anIssue({ status: 'todo', assignee_agent_id: OTHER_AGENT }), next('in_progress', OTHER_AGENT), agentWith(RUN), { kind: 'keep' }],
    ['leaving in_progress clears them', held, next('in_review'), agentWith(RUN), { kind: 'clear' }],
    ['a change of agent assignee clears them', held, next('in_progress', OTHER_AGENT), BOARD, { kind: 'clear' }],
    ['handing it to a human clears them', held, next('in_progress', null, 'user-1'), BOARD, { kind: 'clear' }],
    ['any other edit keeps them', held, next('in_progress'), agentWith(RUN), { kind: 'keep' }],
    ['nothing held, leaving in_progress: nothing to do', anIssue({ status: 'in_progress', assignee_agent_id: AGENT }), next('todo'), agentWith(RUN), { kind: 'keep' }],
    ['a new issue created in_progress by its agent for itself', null, next('in_progress'), agentWith(RUN), { kind: 'take', runId: RUN }],
    ['a new issue created in_progress by the board', null, next('in_progress'), BOARD, { kind: 'keep' }],
    ['a new todo issue', null, next('todo'), agentWith(RUN), { kind: 'keep' }],
  ] as const)('%s', (_, issue, change, actor, expected) => {
    expect(locksAfterChange(issue, change, actor, states)).toEqual(expected);
  });

  it('taking them needs a live run', () => {
    expect(locksAfterChange(null, next('in_progress'), agentWith('failed'), states)).toMatchObject({ kind: 'refuse', code: 'run_not_live' });
    expect(locksAfterChange(null, next('in_progress'), agentWith(null), states)).toMatchObject({ kind: 'refuse', code: 'run_id_required' });
  });
});

describe('release (§5) and force-release (§9)', () => {
  it.each([
    ['in_progress', 'todo', true],
    ['todo', 'todo', true],
    ['backlog', 'backlog', true],
    ['blocked', 'blocked', true],
    ['in_review', 'in_review', true],
    ['done', 'done', false],
    ['cancelled', 'cancelled', false],
  ] as const)('releasing a %s issue leaves it %s; clears the agent assignee: %s', (status, after, clears) => {
    expect(decideRelease(anIssue({ status, assignee_agent_id: AGENT }))).toEqual({ status: after, clearAgentAssignee: clears });
  });

  it('revokes the holder runs that are still live, once each', () => {
    const states = runs({ [RUN]: 'live', [RUN2]: 'live', failed: 'failed', expired: 'expired' });
    expect(holdersToRevoke(anIssue({ checkout_run_id: RUN, execution_run_id: RUN }), states)).toEqual([RUN]);
    expect(holdersToRevoke(anIssue({ checkout_run_id: RUN2, execution_run_id: RUN }), states)).toEqual([RUN, RUN2]);
    expect(holdersToRevoke(anIssue({ checkout_run_id: 'failed', execution_run_id: 'expired' }), states)).toEqual([]);
    expect(holdersToRevoke(anIssue({ checkout_run_id: 'gone' }), states)).toEqual([]);
    expect(holdersToRevoke(anIssue({}), states)).toEqual([]);
  });
});
