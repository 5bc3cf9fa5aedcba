import { randomUUID } from 'node:crypto';
import { AgentFixture, bearer, CompanyFixture, createAgent, createCompany, seedIssueLockedBy, seedRun } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';
import { SweeperService } from '../../src/runs/sweeper.service';
import { activityFor, backdateRun, invokeRun, issueLocks, liveRun, runRow } from './run-helpers';

/** ownership.md §7: a running run that stops heartbeating is timed out by the database clock and loses its locks. */
describe('leases and the sweeper', () => {
  let t: TestApp;
  let company: CompanyFixture;
  let agent: AgentFixture;
  let sweeper: SweeperService;
  let lease: number;

  beforeAll(async () => {
    t = await startTestApp();
    company = await createCompany(t);
    agent = await createAgent(t, company.id);
    sweeper = t.app.get(SweeperService);
    lease = t.config.runLeaseSeconds;
  });
  afterAll(() => t.close());

  const lockedBy = (runId: string) => seedIssueLockedBy(t, company, agent, runId);

  it('times out a silent run, audits heartbeat.timed_out as system and clears its locks (source run_timed_out)', async () => {
    const { runId } = await liveRun(t, agent);
    const issue = await lockedBy(runId);
    await backdateRun(t, runId, lease + 5);

    const result = await sweeper.sweepOnce();
    expect(result.timedOut).toBeGreaterThanOrEqual(1);

    const run = await runRow(t, runId);
    expect(run).toMatchObject({ status: 'timed_out', error_code: 'lease_expired' });
    expect(run.finished_at).not.toBeNull();
    const audits = await activityFor(t, runId, 'heartbeat.timed_out');
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor_type: 'system', actor_id: 'system', agent_id: agent.id, run_id: runId });

    expect(await issueLocks(t, issue.id)).toMatchObject({
      status: 'in_progress',
      assignee_agent_id: agent.id,
      checkout_run_id: null,
      execution_run_id: null,
      execution_agent_name_key: null,
    });
    const cleared = await activityFor(t, issue.id, 'issue.stale_lock_cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0].details).toMatchObject({ source: 'run_timed_out', clearedCheckoutRunId: runId, clearedExecutionRunId: runId });

    // Sweeping again finds nothing to do and writes nothing.
    await sweeper.sweepOnce();
    expect(await activityFor(t, runId, 'heartbeat.timed_out')).toHaveLength(1);
    expect(await activityFor(t, issue.id, 'issue.stale_lock_cleared')).toHaveLength(1);
  });

  it('leaves a run alone while its lease lasts', async () => {
    const { runId } = await liveRun(t, agent);
    const issue = await lockedBy(runId);
    await backdateRun(t, runId, lease - 30);

    await sweeper.sweepOnce();

    expect((await runRow(t, runId)).status).toBe('running');
    expect(await issueLocks(t, issue.id)).toMatchObject({ checkout_run_id: runId, execution_run_id: runId });
  });

  it('judges the lease from the last heartbeat, not the start', async () => {
    const { runId } = await liveRun(t, agent);
    await t.db.query(`UPDATE heartbeat_runs SET started_at = now() - interval '1 day' WHERE id = $1`, [runId]);

    await sweeper.sweepOnce();

    expect((await runRow(t, runId)).status).toBe('running');
  });

  it('never times out a queued run', async () => {
    const queued = await invokeRun(t, agent);
    await t.db.query(`UPDATE heartbeat_runs SET created_at = now() - interval '30 days' WHERE id = $1`, [queued.id]);

    await sweeper.sweepOnce();

    expect((await runRow(t, queued.id)).status).toBe('queued');
    expect(await activityFor(t, queued.id, 'heartbeat.timed_out')).toEqual([]);
  });

  it('refuses a heartbeat after the lease ran out, and times the run out there and then', async () => {
    const { runId, token } = await liveRun(t, agent);
    const issue = await lockedBy(runId);
    await backdateRun(t, runId, lease + 1);

    const res = await t.http().post(`/api/heartbeat-runs/${runId}/heartbeat`).set(bearer(token)).expect(409);
    expect(res.body).toMatchObject({ code: 'run_not_live', details: { runId, runStatus: 'timed_out' } });

    expect((await runRow(t, runId)).status).toBe('timed_out');
    expect(await activityFor(t, runId, 'heartbeat.timed_out')).toHaveLength(1);
    expect(await issueLocks(t, issue.id)).toMatchObject({ checkout_run_id: null, execution_run_id: null });
    expect((await activityFor(t, issue.id, 'issue.stale_lock_cleared')).map((a) => a.details.source)).toEqual(['run_timed_out']);
  });

  it('ends an expired run once when a late heartbeat and a sweep race', async () => {
    const { runId, token } = await liveRun(t, agent);
    const issue = await lockedBy(runId);
    await backdateRun(t, runId, lease + 1);

    const [heartbeat] = await Promise.all([
      t.http().post(`/api/heartbeat-runs/${runId}/heartbeat`).set(bearer(token)),
      sweeper.sweepOnce(),
    ]);

    expect([heartbeat.status, heartbeat.body.code]).toEqual([409, 'run_not_live']);
    expect((await runRow(t, runId)).status).toBe('timed_out');
    expect(await activityFor(t, runId, 'heartbeat.timed_out')).toHaveLength(1);
    expect(await activityFor(t, issue.id, 'issue.stale_lock_cleared')).toHaveLength(1);
  });

  it('ends an expired run once when its finish and a sweep race', async () => {
    const { runId, token } = await liveRun(t, agent);
    const issue = await lockedBy(runId);
    await backdateRun(t, runId, lease + 1);

    const [finish] = await Promise.all([
      t.http().post(`/api/heartbeat-runs/${runId}/finish`).set(bearer(token)).send({ status: 'succeeded' }),
      sweeper.sweepOnce(),
    ]);

    const ends = (await activityFor(t, runId)).filter((a) => ['heartbeat.finished', 'heartbeat.timed_out'].includes(a.action));
    expect(ends).toHaveLength(1);
    const status = (await runRow(t, runId)).status;
    expect(finish.status === 200 ? [status, ends[0].action] : [finish.body.code, status, ends[0].action]).toEqual(
      finish.status === 200 ? ['succeeded', 'heartbeat.finished'] : ['run_state_conflict', 'timed_out', 'heartbeat.timed_out'],
    );
    expect(await activityFor(t, issue.id, 'issue.stale_lock_cleared')).toHaveLength(1);
  });

  it('reports no lease for a run that is not running', async () => {
    const { runId, token } = await liveRun(t, agent);
    const running = await t.http().get(`/api/heartbeat-runs/${runId}`).set(bearer(token)).expect(200);
    expect(running.body.leaseExpiresAt).toEqual(expect.any(String));
    await t.http().post(`/api/heartbeat-runs/${runId}/finish`).set(bearer(token)).send({ status: 'succeeded' }).expect(200);
    const ended = await t.http().get(`/api/heartbeat-runs/${runId}`).set(bearer(token)).expect(200);
    expect(ended.body.leaseExpiresAt).toBeNull();
  });

  it('clears locks left pointing at ended, missing or queued runs (source sweeper), never a live run’s', async () => {
    const ended = await seedRun(t, agent, 'failed');
    const queued = await seedRun(t, agent, 'queued');
    const missing = randomUUID();
    const { runId: live } = await liveRun(t, agent);
    const stale = [await lockedBy(ended), await lockedBy(missing), await lockedBy(queued)];
    const held = await lockedBy(live);

    const result = await sweeper.sweepOnce();
    expect(result.staleLocksCleared).toBeGreaterThanOrEqual(3);

    for (const issue of stale) {
      expect(await issueLocks(t, issue.id)).toMatchObject({ status: 'in_progress', assignee_agent_id: agent.id, checkout_run_id: null, execution_run_id: null });
      const cleared = await activityFor(t, issue.id, 'issue.stale_lock_cleared');
      expect(cleared).toHaveLength(1);
      expect(cleared[0].details.source).toBe('sweeper');
    }
    expect(await issueLocks(t, held.id)).toMatchObject({ checkout_run_id: live, execution_run_id: live });
    expect(await activityFor(t, held.id)).toEqual([]);
  });
});

describe('the sweeper timer', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ sweepIntervalMs: 100 });
  });
  afterAll(() => t.close());

  it('sweeps on its own every SWEEP_INTERVAL_MS', async () => {
    const company = await createCompany(t);
    const agent = await createAgent(t, company.id);
    const { runId } = await liveRun(t, agent);
    await backdateRun(t, runId, t.config.runLeaseSeconds + 5);

    const deadline = Date.now() + 5000;
    while ((await runRow(t, runId)).status === 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

    expect((await runRow(t, runId)).status).toBe('timed_out');
    expect(await activityFor(t, runId, 'heartbeat.timed_out')).toHaveLength(1);
  });
});
