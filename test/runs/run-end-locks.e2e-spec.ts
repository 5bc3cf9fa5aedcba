import { AgentFixture, bearer, BoardUserFixture, CompanyFixture, createAgent, createBoardUser, createCompany, seedIssueLockedBy, seedRun } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';
import { activityFor, invokeRun, issueLocks, liveRun } from './run-helpers';

/** ownership.md §7: a run's end clears, in the same transaction, every lock naming it, and only those. */
describe('locks are released when a run ends', () => {
  let t: TestApp;
  let company: CompanyFixture;
  let agent: AgentFixture;
  let operator: BoardUserFixture;

  beforeAll(async () => {
    t = await startTestApp();
    company = await createCompany(t);
    agent = await createAgent(t, company.id);
    operator = await createBoardUser(t, company.id, 'operator');
  });
  afterAll(() => t.close());

  const lockedBy = (runId: string, extra: { checkoutRunId?: string | null; executionRunId?: string | null } = {}) =>
    seedIssueLockedBy(t, company, agent, runId, extra);

  it('finishing clears both locks; the issue stays in_progress and assigned; one audit row with source run_finished', async () => {
    const { runId, token } = await liveRun(t, agent);
    const successor = await liveRun(t, agent);
    const issue = await lockedBy(runId);
    const successorIssue = await lockedBy(successor.runId);

    await t.http().post(`/api/heartbeat-runs/${runId}/finish`).set(bearer(token)).send({ status: 'succeeded' }).expect(200);

    expect(await issueLocks(t, issue.id)).toEqual({
      status: 'in_progress',
      assignee_agent_id: agent.id,
      checkout_run_id: null,
      execution_run_id: null,
      execution_agent_name_key: null,
      execution_locked_at: null,
    });
    const cleared = await activityFor(t, issue.id, 'issue.stale_lock_cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0]).toMatchObject({ actor_type: 'system', entity_type: 'issue' });
    expect(cleared[0].details).toMatchObject({ source: 'run_finished', clearedCheckoutRunId: runId, clearedExecutionRunId: runId });

    // The successor's lock on its own issue is untouched, and nothing was written about it.
    expect(await issueLocks(t, successorIssue.id)).toMatchObject({
      status: 'in_progress',
      checkout_run_id: successor.runId,
      execution_run_id: successor.runId,
      execution_agent_name_key: agent.name.toLowerCase(),
    });
    expect(await activityFor(t, successorIssue.id)).toEqual([]);
  });

  it('clears only the lock the ended run holds when a successor holds the other', async () => {
    const { runId, token } = await liveRun(t, agent);
    const successor = await liveRun(t, agent);
    const issue = await lockedBy(runId, { executionRunId: successor.runId });

    await t.http().post(`/api/heartbeat-runs/${runId}/finish`).set(bearer(token)).send({ status: 'failed', error: 'boom' }).expect(200);

    expect(await issueLocks(t, issue.id)).toMatchObject({ checkout_run_id: null, execution_run_id: successor.runId });
    const cleared = await activityFor(t, issue.id, 'issue.stale_lock_cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0].details).toMatchObject({ source: 'run_finished', clearedCheckoutRunId: runId, clearedExecutionRunId: null });
  });

  it('writes one audit row per issue when the run held several', async () => {
    const { runId, token } = await liveRun(t, agent);
    const issues = [await lockedBy(runId), await lockedBy(runId), await lockedBy(runId, { checkoutRunId: null })];

    await t.http().post(`/api/heartbeat-runs/${runId}/finish`).set(bearer(token)).send({ status: 'timed_out' }).expect(200);

    for (const issue of issues) {
      expect(await issueLocks(t, issue.id)).toMatchObject({ status: 'in_progress', assignee_agent_id: agent.id, checkout_run_id: null, execution_run_id: null });
      const cleared = await activityFor(t, issue.id, 'issue.stale_lock_cleared');
      expect(cleared).toHaveLength(1);
      expect(cleared[0].details.source).toBe('run_finished');
    }
  });

  it('cancelling (board) clears the locks with source run_cancelled', async () => {
    const { runId } = await liveRun(t, agent);
    const issue = await lockedBy(runId);

    await t.http().post(`/api/heartbeat-runs/${runId}/cancel`).set(bearer(operator.key)).expect(200);

    expect(await issueLocks(t, issue.id)).toMatchObject({ status: 'in_progress', assignee_agent_id: agent.id, checkout_run_id: null, execution_run_id: null });
    const cleared = await activityFor(t, issue.id, 'issue.stale_lock_cleared');
    expect(cleared.map((a) => a.details.source)).toEqual(['run_cancelled']);
  });

  it('finishing as cancelled clears the locks with source run_cancelled', async () => {
    const { runId, token } = await liveRun(t, agent);
    const issue = await lockedBy(runId);

    await t.http().post(`/api/heartbeat-runs/${runId}/finish`).set(bearer(token)).send({ status: 'cancelled' }).expect(200);

    expect(await issueLocks(t, issue.id)).toMatchObject({ checkout_run_id: null, execution_run_id: null });
    expect((await activityFor(t, issue.id, 'issue.stale_lock_cleared')).map((a) => a.details.source)).toEqual(['run_cancelled']);
  });

  it('clears a lock a queued run was (wrongly) left holding when it is cancelled', async () => {
    const queued = await invokeRun(t, agent);
    const issue = await lockedBy(queued.id);

    await t.http().post(`/api/heartbeat-runs/${queued.id}/cancel`).set(bearer(operator.key)).expect(200);

    expect(await issueLocks(t, issue.id)).toMatchObject({ checkout_run_id: null, execution_run_id: null });
    expect(await activityFor(t, issue.id, 'issue.stale_lock_cleared')).toHaveLength(1);
  });

  it('leaves locks and audit alone when the finish is refused', async () => {
    const endedRunId = await seedRun(t, agent, 'succeeded');
    const issue = await lockedBy(endedRunId);

    await t.http().post(`/api/heartbeat-runs/${endedRunId}/finish`).set(bearer(agent.key)).send({ status: 'failed' }).expect(409);

    expect(await issueLocks(t, issue.id)).toMatchObject({ checkout_run_id: endedRunId, execution_run_id: endedRunId });
    expect(await activityFor(t, issue.id)).toEqual([]);
  });

  it('ends the run and clears its locks together when finish and cancel race', async () => {
    const { runId, token } = await liveRun(t, agent);
    const issue = await lockedBy(runId);

    const [finish, cancel] = await Promise.all([
      t.http().post(`/api/heartbeat-runs/${runId}/finish`).set(bearer(token)).send({ status: 'succeeded' }),
      t.http().post(`/api/heartbeat-runs/${runId}/cancel`).set(bearer(operator.key)),
    ]);
    expect([finish.status, cancel.status].sort()).toEqual([200, 409]);
    const ends = [...(await activityFor(t, runId, 'heartbeat.finished')), ...(await activityFor(t, runId, 'heartbeat.cancelled'))];
    expect(ends).toHaveLength(1);
    expect(await issueLocks(t, issue.id)).toMatchObject({ checkout_run_id: null, execution_run_id: null });
    expect(await activityFor(t, issue.id, 'issue.stale_lock_cleared')).toHaveLength(1);
  });
});
