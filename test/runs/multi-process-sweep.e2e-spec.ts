import { AgentFixture, CompanyFixture, createAgent, createCompany, seedIssueLockedBy } from '../helpers/factories';
import type { TestApp } from '../helpers/test-app';
import { SweeperService, SweepResult } from '../../src/runs/sweeper.service';
import { activityFor, backdateRun, issueLocks, liveRun, runRow } from './run-helpers';
import { ServerFleet, startFleet } from './two-processes';

/** ownership.md §11: several processes sweep one database; each silent run is timed out exactly once. */
describe('two server processes sweeping one database', () => {
  let fleet: ServerFleet;
  let t: TestApp; // process 0, seen through the factories' interface
  let company: CompanyFixture;
  let agent: AgentFixture;

  beforeAll(async () => {
    fleet = await startFleet(2);
    t = { app: fleet.apps[0], config: fleet.config, adminKey: fleet.adminKey, db: fleet.db, http: () => fleet.http(0), close: async () => undefined };
    company = await createCompany(t);
    agent = await createAgent(t, company.id);
  });
  afterAll(() => fleet?.close());

  async function silentRuns(count: number): Promise<{ runId: string; issueId: string }[]> {
    const runs = [];
    for (let i = 0; i < count; i++) {
      const { runId } = await liveRun(t, agent);
      const issue = await seedIssueLockedBy(t, company, agent, runId);
      await backdateRun(t, runId, fleet.config.runLeaseSeconds + 10);
      runs.push({ runId, issueId: issue.id });
    }
    return runs;
  }

  it.each([1, 2, 3])('times each silent run out exactly once when both sweep at the same moment (round %i)', async () => {
    const runs = await silentRuns(8);
    const [a, b] = fleet.apps.map((app) => app.get(SweeperService));

    const results: SweepResult[] = await Promise.all([a.sweepOnce(), b.sweepOnce(), a.sweepOnce(), b.sweepOnce()]);

    expect(results.reduce((sum, r) => sum + r.timedOut, 0)).toBe(runs.length);
    expect(results.reduce((sum, r) => sum + r.failed, 0)).toBe(0);
    for (const { runId, issueId } of runs) {
      expect((await runRow(t, runId)).status).toBe('timed_out');
      expect(await activityFor(t, runId, 'heartbeat.timed_out')).toHaveLength(1);
      expect(await issueLocks(t, issueId)).toMatchObject({ status: 'in_progress', assignee_agent_id: agent.id, checkout_run_id: null, execution_run_id: null });
      const cleared = await activityFor(t, issueId, 'issue.stale_lock_cleared');
      expect(cleared).toHaveLength(1);
      expect(cleared[0].details.source).toBe('run_timed_out');
    }
  });

  it('sweeps once at start-up, before the new process serves', async () => {
    const [{ runId, issueId }] = await silentRuns(1);

    await fleet.addProcess();

    expect((await runRow(t, runId)).status).toBe('timed_out');
    expect(await activityFor(t, runId, 'heartbeat.timed_out')).toHaveLength(1);
    expect(await issueLocks(t, issueId)).toMatchObject({ checkout_run_id: null, execution_run_id: null });
  });
});
