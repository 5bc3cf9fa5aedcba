import { randomUUID } from 'node:crypto';
import { AgentFixture, bearer, BoardUserFixture, CompanyFixture, createAgent, createBoardUser, createCompany } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';
import { invokeRun, liveRun, seedIssue } from './run-helpers';

describe('GET /api/issues/:id/runs', () => {
  let t: TestApp;
  let company: CompanyFixture;
  let agent: AgentFixture;
  let viewer: BoardUserFixture;

  beforeAll(async () => {
    t = await startTestApp();
    company = await createCompany(t);
    agent = await createAgent(t, company.id);
    viewer = await createBoardUser(t, company.id, 'viewer');
  });
  afterAll(() => t.close());

  it('lists the runs woken for the issue, named in its activity, or holding its locks, newest first', async () => {
    const issue = await seedIssue(t, { companyId: company.id, status: 'todo' });
    const wokenFor = await invokeRun(t, agent, agent.key, { issueId: issue.id });
    const audited = await liveRun(t, agent);
    await t.db.query(
      `INSERT INTO activity_log (company_id, actor_type, actor_id, action, entity_type, entity_id, agent_id, run_id, details)
       VALUES ($1, 'agent', $2::text, 'issue.comment_added', 'issue', $3, $2::uuid, $4, '{}')`,
      [company.id, agent.id, issue.id, audited.runId],
    );
    const checkout = await liveRun(t, agent);
    const execution = await liveRun(t, agent);
    await t.db.query(
      `UPDATE issues SET status = 'in_progress', assignee_agent_id = $2, checkout_run_id = $3, execution_run_id = $4,
              execution_agent_name_key = 'x', execution_locked_at = now() WHERE id = $1`,
      [issue.id, agent.id, checkout.runId, execution.runId],
    );
    const unrelated = await liveRun(t, agent);
    const otherIssue = await seedIssue(t, { companyId: company.id, status: 'todo' });
    await invokeRun(t, agent, agent.key, { issueId: otherIssue.id });

    const expected = [execution.runId, checkout.runId, audited.runId, wokenFor.id];
    for (const [path, key] of [
      [issue.id, viewer.key],
      [issue.identifier, agent.key],
      [issue.identifier.toLowerCase(), viewer.key],
    ]) {
      const res = await t.http().get(`/api/issues/${path}/runs`).set(bearer(key)).expect(200);
      expect(res.body.map((r: { id: string }) => r.id)).toEqual(expected);
      expect(res.body.map((r: { id: string }) => r.id)).not.toContain(unrelated.runId);
    }
    const res = await t.http().get(`/api/issues/${issue.id}/runs`).set(bearer(viewer.key)).expect(200);
    expect(res.body[0]).toMatchObject({ id: execution.runId, status: 'running', leaseExpiresAt: expect.any(String), companyId: company.id });
  });

  it('answers an empty list for an issue no run touched', async () => {
    const issue = await seedIssue(t, { companyId: company.id, status: 'backlog' });
    expect((await t.http().get(`/api/issues/${issue.id}/runs`).set(bearer(agent.key)).expect(200)).body).toEqual([]);
  });

  it('answers 404 for an unknown issue, 400 for a malformed id, 403 for another company', async () => {
    expect((await t.http().get(`/api/issues/${randomUUID()}/runs`).set(bearer(viewer.key)).expect(404)).body.code).toBe('not_found');
    expect((await t.http().get(`/api/issues/${company.issuePrefix}-99999999/runs`).set(bearer(viewer.key)).expect(404)).body.code).toBe('not_found');
    expect((await t.http().get('/api/issues/not!an!id/runs').set(bearer(viewer.key)).expect(400)).body.code).toBe('validation_failed');
    const other = await createCompany(t);
    const outsider = await createAgent(t, other.id);
    const issue = await seedIssue(t, { companyId: company.id, status: 'todo' });
    expect((await t.http().get(`/api/issues/${issue.id}/runs`).set(bearer(outsider.key)).expect(403)).body.code).toBe('company_access_denied');
  });
});
