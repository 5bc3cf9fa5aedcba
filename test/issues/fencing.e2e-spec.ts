import type { Response } from 'supertest';
import { AgentFixture, bearer, CompanyFixture, createAgent, createCompany, mintRunJwt, seedIssue, seedIssueLockedBy, seedRun } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { backdateRun, liveRun, runRow } from '../runs/run-helpers';
import { asAgent, auditRows, issueRow } from './issue-helpers';

/**
 * Runs are fencing tokens (ownership.md §1, §7, §8, §9): a run that is not live — ended, missing,
 * queued, past its lease, or revoked by a force-release — never writes anything, anywhere. The
 * sweeper is kept out of the way (SWEEP_INTERVAL_MS is an hour in tests): nothing here waits for it.
 */
describe('fencing: a run that is not live never writes', () => {
  let t: TestApp;
  let company: CompanyFixture;
  let agent: AgentFixture;
  let lease: number;

  beforeAll(async () => {
    t = await startTestApp();
    company = await createCompany(t);
    agent = await createAgent(t, company.id);
    lease = t.config.runLeaseSeconds;
  });
  afterAll(() => t.close());

  const jwtOf = (runId: string) => mintRunJwt(t, { agentId: agent.id, companyId: company.id, runId });
  const count = async (sql: string, params: unknown[]) => Number((await t.db.query(sql, params)).rows[0].n);
  const issueCount = () => count('SELECT count(*) AS n FROM issues WHERE company_id = $1', [company.id]);
  const commentCount = (issueId: string) => count('SELECT count(*) AS n FROM issue_comments WHERE issue_id = $1', [issueId]);
  const expectNotLive = (res: Response) => expect([res.status, res.body.code]).toEqual([409, 'run_not_live']);

  describe('a running run whose lease ran out is refused at once, before any sweep', () => {
    it('on its own in_progress issue: PATCH, comment, release and checkout get 409 run_not_live, nothing changes', async () => {
      const { runId, token } = await liveRun(t, agent);
      const issue = await seedIssueLockedBy(t, company, agent, runId);
      await backdateRun(t, runId, lease + 1);
      const before = await issueRow(t, issue.id);

      const patch = await t.http().patch(`/api/issues/${issue.id}`).set(bearer(token)).send({ title: 'late write' });
      expectNotLive(patch);
      expect(patch.body.details).toMatchObject({ runId, runStatus: 'running', leaseExpired: true });
      expectNotLive(await t.http().post(`/api/issues/${issue.id}/comments`).set(bearer(token)).send({ body: 'late comment' }));
      expectNotLive(await t.http().post(`/api/issues/${issue.id}/release`).set(bearer(token)).send({}));
      expectNotLive(
        await t.http().post(`/api/issues/${issue.id}/checkout`).set(bearer(token)).send({ agentId: agent.id, expectedStatuses: ['in_progress'] }),
      );

      const after = await issueRow(t, issue.id);
      expect({ title: after.title, status: after.status, assignee: after.assignee_agent_id }).toEqual({
        title: before.title,
        status: 'in_progress',
        assignee: agent.id,
      });
      expect(await commentCount(issue.id)).toBe(0);
      // Not the sweeper's doing: the run is still `running` in its row.
      expect((await runRow(t, runId)).status).toBe('running');
    });

    it('creating an issue and waking itself are refused too, by JWT and by key + X-Paperclip-Run-Id', async () => {
      const { runId, token } = await liveRun(t, agent);
      await backdateRun(t, runId, lease + 1);
      const before = await issueCount();
      for (const headers of [bearer(token), asAgent(agent, runId)]) {
        expectNotLive(await t.http().post(`/api/companies/${company.id}/issues`).set(headers).send({ title: 'from a dead run' }));
        expectNotLive(await t.http().post(`/api/agents/${agent.id}/heartbeat/invoke`).set(headers).send({}));
      }
      expect(await issueCount()).toBe(before);
    });

    it('its locks count as stale at once: the agent’s next run adopts the issue', async () => {
      const { runId } = await liveRun(t, agent);
      const issue = await seedIssueLockedBy(t, company, agent, runId);
      await backdateRun(t, runId, lease + 1);
      const next = await liveRun(t, agent);

      const res = await t.http().patch(`/api/issues/${issue.id}`).set(bearer(next.token)).send({ priority: 'high' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ checkoutRunId: next.runId, executionRunId: next.runId });
      const cleared = await auditRows(t, issue.id, 'issue.stale_lock_cleared');
      expect(cleared).toHaveLength(1);
      expect(cleared[0].details).toMatchObject({ clearedCheckoutRunId: runId, runStatuses: { [runId]: 'lease_expired' } });
      expect((await auditRows(t, issue.id, 'issue.checkout_lock_adopted'))[0].details).toMatchObject({
        previousCheckoutRunId: runId,
        reason: 'stale_checkout_run',
      });
    });

    it('a run one second inside its lease still writes (the boundary is the lease, not a sweep)', async () => {
      const { runId, token } = await liveRun(t, agent);
      const issue = await seedIssueLockedBy(t, company, agent, runId);
      await backdateRun(t, runId, lease - 5);
      await t.http().patch(`/api/issues/${issue.id}`).set(bearer(token)).send({ priority: 'low' }).expect(200);
    });
  });

  describe.each(['failed', 'timed_out', 'cancelled', 'succeeded', 'queued'] as const)('a %s run', (status) => {
    it('cannot create issues, by JWT or by key + header: no row is created', async () => {
      const runId = await seedRun(t, agent, status);
      const before = await issueCount();
      for (const headers of [bearer(await jwtOf(runId)), asAgent(agent, runId)]) {
        const res = await t.http().post(`/api/companies/${company.id}/issues`).set(headers).send({ title: `from a ${status} run` });
        expectNotLive(res);
        expect(res.body.details.runStatus).toBe(status);
      }
      expect(await issueCount()).toBe(before);
    });

    it('cannot comment on or PATCH issues it never held: unassigned, or assigned to a human', async () => {
      const runId = await seedRun(t, agent, status);
      const human = (await t.http().get('/api/me').set(bearer(t.adminKey)).expect(200)).body.userId;
      const unassigned = await seedIssue(t, company, { status: 'todo' });
      const humans = await seedIssue(t, company, { status: 'todo', assigneeUserId: human });
      for (const issue of [unassigned, humans]) {
        for (const headers of [bearer(await jwtOf(runId)), asAgent(agent, runId)]) {
          expectNotLive(await t.http().post(`/api/issues/${issue.id}/comments`).set(headers).send({ body: 'stray' }));
          expectNotLive(await t.http().patch(`/api/issues/${issue.id}`).set(headers).send({ title: 'stray' }));
        }
        expect(await commentCount(issue.id)).toBe(0);
        expect((await issueRow(t, issue.id)).title).toBe('Seeded issue');
      }
    });

    it('can still read', async () => {
      const runId = await seedRun(t, agent, status);
      const issue = await seedIssue(t, company, { status: 'todo' });
      await t.http().get(`/api/issues/${issue.id}`).set(bearer(await jwtOf(runId))).expect(200);
      await t.http().get(`/api/issues/${issue.id}/comments`).set(asAgent(agent, runId)).expect(200);
    });
  });

  it('a key without any run id may still create issues (no run to fence on)', async () => {
    await t.http().post(`/api/companies/${company.id}/issues`).set(bearer(agent.key)).send({ title: 'harness-made' }).expect(201);
  });

  describe('force-release revokes the holder (ownership.md §9)', () => {
    it('the holder run is cancelled in the same transaction and its next write gets 409 run_not_live', async () => {
      const { runId, token } = await liveRun(t, agent);
      const issue = await seedIssueLockedBy(t, company, agent, runId);

      const res = await t.http().post(`/api/issues/${issue.id}/admin/force-release`).set(bearer(t.adminKey)).send({});
      expect(res.status).toBe(200);
      expect(res.body.previous).toEqual({ checkoutRunId: runId, executionRunId: runId, cancelledRunIds: [runId] });

      const run = await runRow(t, runId);
      expect({ status: run.status, errorCode: run.error_code, finished: run.finished_at !== null }).toEqual({
        status: 'cancelled',
        errorCode: 'force_released',
        finished: true,
      });
      const { rows: cancelled } = await t.db.query(
        `SELECT actor_type, details FROM activity_log WHERE entity_id = $1 AND action = 'heartbeat.cancelled'`,
        [runId],
      );
      expect(cancelled).toHaveLength(1);
      expect(cancelled[0]).toMatchObject({ actor_type: 'user', details: { source: 'admin_force_release', issueId: issue.id } });

      // No silent re-adoption: every write of the revoked run is fenced, the issue stays unowned.
      expectNotLive(await t.http().patch(`/api/issues/${issue.id}`).set(bearer(token)).send({ title: 'mine again' }));
      expectNotLive(await t.http().post(`/api/issues/${issue.id}/comments`).set(bearer(token)).send({ body: 'mine again' }));
      expect(await issueRow(t, issue.id)).toMatchObject({ checkout_run_id: null, execution_run_id: null });
      expect(await auditRows(t, issue.id, 'issue.checkout_lock_adopted')).toHaveLength(0);

      // The agent's next run may take the issue back.
      const next = await liveRun(t, agent);
      const taken = await t.http().post(`/api/issues/${issue.id}/checkout`).set(bearer(next.token)).send({ agentId: agent.id, expectedStatuses: ['in_progress'] });
      expect(taken.status).toBe(200);
      expect(taken.body).toMatchObject({ checkoutRunId: next.runId, executionRunId: next.runId });
    });

    it('the revoked run loses its locks on its other issues too, audited as a cancel', async () => {
      const { runId } = await liveRun(t, agent);
      const first = await seedIssueLockedBy(t, company, agent, runId);
      const second = await seedIssueLockedBy(t, company, agent, runId);
      await t.http().post(`/api/issues/${first.id}/admin/force-release`).set(bearer(t.adminKey)).send({}).expect(200);

      expect(await issueRow(t, second.id)).toMatchObject({ status: 'in_progress', assignee_agent_id: agent.id, checkout_run_id: null, execution_run_id: null });
      const cleared = await auditRows(t, second.id, 'issue.stale_lock_cleared');
      expect(cleared.map((a) => a.details.source)).toEqual(['run_cancelled']);
      // The force-released issue itself is accounted for by its own audit row, not a second clearing row.
      expect(await auditRows(t, first.id, 'issue.stale_lock_cleared')).toHaveLength(0);
    });

    it('a holder that is no longer live is left as it is and not reported as cancelled', async () => {
      const { runId } = await liveRun(t, agent);
      const issue = await seedIssueLockedBy(t, company, agent, runId);
      await backdateRun(t, runId, lease + 1);
      const res = await t.http().post(`/api/issues/${issue.id}/admin/force-release`).set(bearer(t.adminKey)).send({}).expect(200);
      expect(res.body.previous.cancelledRunIds).toEqual([]);
      expect((await runRow(t, runId)).status).toBe('running'); // the sweeper times it out later
    });
  });

  describe('ABA: an old run never clears a lock its successor holds', () => {
    it('a stale release by the old run is refused and the successor keeps the issue', async () => {
      const oldRun = await seedRun(t, agent, 'cancelled');
      const successor = await seedRun(t, agent, 'running');
      const issue = await seedIssueLockedBy(t, company, agent, successor);
      expectNotLive(await t.http().post(`/api/issues/${issue.id}/release`).set(asAgent(agent, oldRun)).send({}));
      expect(await issueRow(t, issue.id)).toMatchObject({ status: 'in_progress', checkout_run_id: successor, execution_run_id: successor });
    });

    it('a late finish of the expired old run, after its successor adopted the issue, leaves the successor’s lock alone', async () => {
      const old = await liveRun(t, agent);
      const issue = await seedIssueLockedBy(t, company, agent, old.runId);
      await backdateRun(t, old.runId, lease + 1);
      const next = await liveRun(t, agent);
      await t.http().patch(`/api/issues/${issue.id}`).set(bearer(next.token)).send({ priority: 'high' }).expect(200);

      await t.http().post(`/api/heartbeat-runs/${old.runId}/finish`).set(bearer(old.token)).send({ status: 'succeeded' }).expect(200);
      expect(await issueRow(t, issue.id)).toMatchObject({ checkout_run_id: next.runId, execution_run_id: next.runId });
    });
  });
});
