import { AgentFixture, bearer, BoardUserFixture, CompanyFixture, createAgent, createBoardUser, createCompany } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';
import { SweeperService } from '../../src/runs/sweeper.service';
import { activityFor, backdateRun, issueLocks, liveRun } from './run-helpers';

const RUN_HEADER = 'X-Paperclip-Run-Id';

/**
 * Runs are fencing tokens (ownership.md §7, §8): once a run has ended, none of its late writes
 * land, while the same agent's next run adopts the issue it left in progress.
 */
describe('a dead run cannot write; the next run adopts its issue', () => {
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

  const endings: [string, (runId: string, token: string) => Promise<void>][] = [
    [
      'finished as failed',
      async (runId, token) => {
        await t.http().post(`/api/heartbeat-runs/${runId}/finish`).set(bearer(token)).send({ status: 'failed', error: 'crashed' }).expect(200);
      },
    ],
    [
      'timed out by the sweeper',
      async (runId) => {
        await backdateRun(t, runId, t.config.runLeaseSeconds + 5);
        await t.app.get(SweeperService).sweepOnce();
      },
    ],
  ];

  it.each(endings)('run A %s: its writes are refused with 409 run_not_live; run B adopts', async (_, endRun) => {
    const created = await t.http().post(`/api/companies/${company.id}/issues`).set(bearer(operator.key)).send({ title: 'Original', status: 'todo' }).expect(201);
    const issueId: string = created.body.id;

    const a = await liveRun(t, agent);
    const checkout = await t.http()
      .post(`/api/issues/${issueId}/checkout`)
      .set(bearer(agent.key))
      .set(RUN_HEADER, a.runId)
      .send({ agentId: agent.id, expectedStatuses: ['todo'] })
      .expect(200);
    expect(checkout.body).toMatchObject({ status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: a.runId, executionRunId: a.runId });

    await endRun(a.runId, a.token);
    expect(await issueLocks(t, issueId)).toMatchObject({ status: 'in_progress', assignee_agent_id: agent.id, checkout_run_id: null, execution_run_id: null });

    // The zombie: run A's JWT, and the agent key naming run A, are both fenced off.
    for (const credential of [
      (req: any) => req.set(bearer(a.token)),
      (req: any) => req.set(bearer(agent.key)).set(RUN_HEADER, a.runId),
    ]) {
      const patch = await credential(t.http().patch(`/api/issues/${issueId}`)).send({ title: 'Zombie title' });
      expect([patch.status, patch.body.code]).toEqual([409, 'run_not_live']);
      const comment = await credential(t.http().post(`/api/issues/${issueId}/comments`)).send({ body: 'zombie comment' });
      expect([comment.status, comment.body.code]).toEqual([409, 'run_not_live']);
      const release = await credential(t.http().post(`/api/issues/${issueId}/release`)).send();
      expect([release.status, release.body.code]).toEqual([409, 'run_not_live']);
    }
    const unchanged = await t.http().get(`/api/issues/${issueId}`).set(bearer(operator.key)).expect(200);
    expect(unchanged.body).toMatchObject({ title: 'Original', status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: null, executionRunId: null });
    const { rows: comments } = await t.db.query('SELECT count(*)::int AS n FROM issue_comments WHERE issue_id = $1', [issueId]);
    expect(comments[0].n).toBe(0);

    // Run B of the same agent: invoke → start → its JWT; its first write adopts the issue.
    const b = await liveRun(t, agent);
    const adopted = await t.http().patch(`/api/issues/${issueId}`).set(bearer(b.token)).send({ title: 'Done by B' }).expect(200);
    expect(adopted.body).toMatchObject({ title: 'Done by B', status: 'in_progress', checkoutRunId: b.runId, executionRunId: b.runId });
    expect(await issueLocks(t, issueId)).toMatchObject({ checkout_run_id: b.runId, execution_run_id: b.runId });
    const adoption = await activityFor(t, issueId, 'issue.checkout_lock_adopted');
    expect(adoption).toHaveLength(1);
    expect(adoption[0]).toMatchObject({ actor_type: 'agent', agent_id: agent.id, run_id: b.runId });

    // A stays fenced after B took over; B keeps writing.
    const late = await t.http().post(`/api/issues/${issueId}/comments`).set(bearer(a.token)).send({ body: 'still a zombie' });
    expect([late.status, late.body.code]).toEqual([409, 'run_not_live']);
    await t.http().post(`/api/issues/${issueId}/comments`).set(bearer(b.token)).send({ body: 'B reporting' }).expect(201);

    // Both runs touched the issue.
    const runs = await t.http().get(`/api/issues/${issueId}/runs`).set(bearer(operator.key)).expect(200);
    expect(runs.body.map((r: { id: string }) => r.id)).toEqual([b.runId, a.runId]);
  });
});
