import type { Response } from 'supertest';
import { AgentFixture, bearer, CompanyFixture, createAgent, createCompany, seedIssueLockedBy, seedRun } from '../helpers/factories';
import { holdRowLock, send, waitForWaiters } from '../helpers/row-locks';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { SweeperService, type SweepResult } from '../../src/runs/sweeper.service';
import { activityFor, backdateRun, issueLocks, liveRun, runRow } from './run-helpers';

/**
 * Run ends racing each other (ownership.md §7), as deterministic interleavings: the test holds a
 * row lock, lets the contenders queue behind it (seen in pg_stat_activity), then lets go. Whoever
 * wins, a run ends once — one terminal status, one audit row — and never comes back to life.
 */
describe('run ends under the row lock', () => {
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

  const endAudits = async (runId: string) =>
    (await activityFor(t, runId)).filter((a) => ['heartbeat.finished', 'heartbeat.timed_out', 'heartbeat.cancelled'].includes(a.action));

  /** Holds `issueId`'s row lock until `waiters` contenders queue behind it, then commits. */
  async function releaseAfterQueued<T extends unknown[]>(issueId: string, waiters: number, contenders: () => T): Promise<T> {
    const client = await holdRowLock(t, 'issues', issueId);
    let pending!: T;
    try {
      pending = contenders();
      await waitForWaiters(t, client, waiters);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    return pending;
  }

  it('a heartbeat queued behind a finish never revives the run', async () => {
    const { runId, token } = await liveRun(t, agent);
    const client = await holdRowLock(t, 'heartbeat_runs', runId);
    let heartbeat!: Promise<Response>;
    try {
      heartbeat = send(t.http().post(`/api/heartbeat-runs/${runId}/heartbeat`).set(bearer(token)));
      await waitForWaiters(t, client);
      await client.query(`UPDATE heartbeat_runs SET status = 'succeeded', finished_at = now() WHERE id = $1`, [runId]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const res = await heartbeat;
    expect([res.status, res.body.code]).toEqual([409, 'run_not_live']);
    expect((await runRow(t, runId)).status).toBe('succeeded');
  });

  it('an expired run’s late heartbeat and a sweep queued together: one time-out, one audit row, the heartbeat refused', async () => {
    const { runId, token } = await liveRun(t, agent);
    const issue = await seedIssueLockedBy(t, company, agent, runId);
    await backdateRun(t, runId, lease + 1);

    const [heartbeat, sweep] = await releaseAfterQueued(issue.id, 2, () => [
      send(t.http().post(`/api/heartbeat-runs/${runId}/heartbeat`).set(bearer(token))),
      sweeper.sweepOnce(),
    ]);
    const res = await heartbeat;
    expect([res.status, res.body.code]).toEqual([409, 'run_not_live']);
    await sweep;

    expect((await runRow(t, runId)).status).toBe('timed_out');
    expect((await endAudits(runId)).map((a) => a.action)).toEqual(['heartbeat.timed_out']);
    expect(await activityFor(t, issue.id, 'issue.stale_lock_cleared')).toHaveLength(1);
    expect(await issueLocks(t, issue.id)).toMatchObject({ status: 'in_progress', checkout_run_id: null, execution_run_id: null });
  });

  it('an expired run’s finish and a sweep queued together: exactly one of them ends it', async () => {
    const { runId, token } = await liveRun(t, agent);
    const issue = await seedIssueLockedBy(t, company, agent, runId);
    await backdateRun(t, runId, lease + 1);

    const [finish, sweep] = await releaseAfterQueued(issue.id, 2, () => [
      send(t.http().post(`/api/heartbeat-runs/${runId}/finish`).set(bearer(token)).send({ status: 'succeeded' })),
      sweeper.sweepOnce(),
    ]);
    const res = await finish;
    const swept: SweepResult = await sweep;

    const ends = await endAudits(runId);
    expect(ends).toHaveLength(1);
    const status = (await runRow(t, runId)).status;
    if (res.status === 200) {
      expect([status, ends[0].action, swept.timedOut]).toEqual(['succeeded', 'heartbeat.finished', 0]);
    } else {
      expect([res.status, res.body.code, status, ends[0].action, swept.timedOut]).toEqual([409, 'run_state_conflict', 'timed_out', 'heartbeat.timed_out', 1]);
    }
    expect(await activityFor(t, issue.id, 'issue.stale_lock_cleared')).toHaveLength(1);
  });

  it('a finish queued while a successor takes the issue leaves the successor’s lock alone (ABA)', async () => {
    const { runId: oldRun, token } = await liveRun(t, agent);
    const successor = await seedRun(t, agent, 'running');
    const issue = await seedIssueLockedBy(t, company, agent, oldRun);

    const client = await holdRowLock(t, 'issues', issue.id);
    let finish!: Promise<Response>;
    try {
      finish = send(t.http().post(`/api/heartbeat-runs/${oldRun}/finish`).set(bearer(token)).send({ status: 'succeeded' }));
      await waitForWaiters(t, client);
      await client.query('UPDATE issues SET checkout_run_id = $2, execution_run_id = $2 WHERE id = $1', [issue.id, successor]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect((await finish).status).toBe(200);
    expect(await issueLocks(t, issue.id)).toMatchObject({ checkout_run_id: successor, execution_run_id: successor });
    expect(await activityFor(t, issue.id, 'issue.stale_lock_cleared')).toHaveLength(0);
  });
});
