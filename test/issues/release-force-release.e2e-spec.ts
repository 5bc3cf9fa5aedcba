import { bearer, createAgent, createBoardUser, seedIssue, seedRun } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { asAgent, auditRows, checkout, createIssue, issueRow, lockColumns, NO_LOCK_COLUMNS, world } from './issue-helpers';

/** ownership.md §5 (release) and §9 (admin force-release). */
describe('release and admin force-release', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const release = (id: string, headers: Record<string, string>) => t.http().post(`/api/issues/${id}/release`).set(headers).send();
  const forceRelease = (id: string, headers: Record<string, string>, query = '') => t.http().post(`/api/issues/${id}/admin/force-release${query}`).set(headers).send();

  describe('POST /api/issues/:id/release', () => {
    it('in_progress → todo, assignee and all four locks cleared, started_at nulled; audit issue.released', async () => {
      const { company, agent, runId } = await world(t);
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const res = await release(issue.id, asAgent(agent, runId));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'todo', assigneeAgentId: null, checkoutRunId: null, executionRunId: null, executionAgentNameKey: null, executionLockedAt: null, startedAt: null });
      const row = await issueRow(t, issue.id);
      expect(row).toMatchObject({ status: 'todo', assignee_agent_id: null });
      expect(lockColumns(row)).toEqual(NO_LOCK_COLUMNS);

      const audit = await auditRows(t, issue.id, 'issue.released');
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor_type: 'agent', actor_id: agent.id, agent_id: agent.id, run_id: runId });

      // Released means free: another agent can take it now.
      const next = await createAgent(t, company.id);
      const nextRun = await seedRun(t, next, 'running');
      expect((await checkout(t, issue.id, next, nextRun, ['todo'])).checkoutRunId).toBe(nextRun);
    });

    // ownership.md §5: finished work keeps the agent who did it (Paperclip #14561); other statuses free the issue.
    it.each([
      ['done', 'keeps'],
      ['cancelled', 'keeps'],
      ['in_review', 'clears'],
      ['blocked', 'clears'],
      ['backlog', 'clears'],
    ] as const)('releasing a %s issue keeps its status and %s the assignee', async (status, assignee) => {
      const { company, agent } = await world(t);
      const issue = await seedIssue(t, company, { status, assigneeAgentId: agent.id });
      const before = await issueRow(t, issue.id);
      const res = await release(issue.id, asAgent(agent));
      expect(res.status).toBe(200);
      const expectedAssignee = assignee === 'keeps' ? agent.id : null;
      expect(res.body).toMatchObject({ status, assigneeAgentId: expectedAssignee, checkoutRunId: null, executionRunId: null });
      const row = await issueRow(t, issue.id);
      expect(row.status).toBe(status);
      expect(row.assignee_agent_id).toBe(expectedAssignee);
      expect(lockColumns(row)).toEqual(NO_LOCK_COLUMNS);
      expect(row.completed_at).toEqual(before.completed_at);
      expect(row.cancelled_at).toEqual(before.cancelled_at);
      expect(await auditRows(t, issue.id, 'issue.released')).toHaveLength(1);
    });

    it("another agent's in_progress issue → 409 not_issue_assignee", async () => {
      const { company, agent, runId } = await world(t);
      const other = await createAgent(t, company.id);
      const otherRun = await seedRun(t, other, 'running');
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const res = await release(issue.id, asAgent(other, otherRun));
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('not_issue_assignee');
      expect(await issueRow(t, issue.id)).toMatchObject({ status: 'in_progress', assignee_agent_id: agent.id, checkout_run_id: runId });
      expect(await auditRows(t, issue.id, 'issue.released')).toHaveLength(0);
    });

    it("another agent's todo issue → 409 not_issue_assignee", async () => {
      const { company, agent } = await world(t);
      const other = await createAgent(t, company.id);
      const issue = await createIssue(t, company.id, { assigneeAgentId: agent.id });
      const res = await release(issue.id, asAgent(other));
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('not_issue_assignee');
      expect((await issueRow(t, issue.id)).assignee_agent_id).toBe(agent.id);
    });

    it('own issue checked out by another live run of its own → 409 run_ownership_conflict', async () => {
      const { company, agent, runId } = await world(t);
      const secondRun = await seedRun(t, agent, 'running');
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const res = await release(issue.id, asAgent(agent, secondRun));
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('run_ownership_conflict');
      expect(res.body.details).toMatchObject({ checkoutRunId: runId, actorRunId: secondRun, actorAgentId: agent.id });
      expect(await issueRow(t, issue.id)).toMatchObject({ status: 'in_progress', checkout_run_id: runId });
    });

    it('own in_progress issue without a run id → 401 run_id_required', async () => {
      const { company, agent, runId } = await world(t);
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const res = await release(issue.id, asAgent(agent));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('run_id_required');
      expect((await issueRow(t, issue.id)).status).toBe('in_progress');
    });

    it('a board operator may release any issue; a viewer may not', async () => {
      const { company, agent, runId } = await world(t);
      const operator = await createBoardUser(t, company.id, 'operator');
      const viewer = await createBoardUser(t, company.id, 'viewer');
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const refused = await release(issue.id, bearer(viewer.key));
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('read_only_membership');
      const res = await release(issue.id, bearer(operator.key));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'todo', assigneeAgentId: null, checkoutRunId: null });
      expect((await auditRows(t, issue.id, 'issue.released'))[0]).toMatchObject({ actor_type: 'user', actor_id: operator.userId });
    });

    it('a manager may release its report\'s in_progress issue', async () => {
      const { company, agent: boss } = await world(t);
      const bossRun = await seedRun(t, boss, 'running');
      const worker = await createAgent(t, company.id, { reportsTo: boss.id });
      const workerRun = await seedRun(t, worker, 'running');
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, worker, workerRun);
      const res = await release(issue.id, asAgent(boss, bossRun));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'todo', assigneeAgentId: null, checkoutRunId: null });
    });
  });

  describe('POST /api/issues/:id/admin/force-release', () => {
    async function checkedOut() {
      const w = await world(t);
      const issue = await createIssue(t, w.company.id);
      await checkout(t, issue.id, w.agent, w.runId);
      return { ...w, issue };
    }

    it('a viewer → 403 read_only_membership', async () => {
      const { company, issue, runId } = await checkedOut();
      const viewer = await createBoardUser(t, company.id, 'viewer');
      const res = await forceRelease(issue.id, bearer(viewer.key), '?clearAssignee=true');
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('read_only_membership');
      expect((await issueRow(t, issue.id)).checkout_run_id).toBe(runId);
    });

    it('an operator may; without clearAssignee the assignee stays, locks are cleared, status unchanged', async () => {
      const { company, agent, runId, issue } = await checkedOut();
      const operator = await createBoardUser(t, company.id, 'operator');
      const res = await forceRelease(issue.id, bearer(operator.key));
      expect(res.status).toBe(200);
      expect(res.body.previous).toEqual({ checkoutRunId: runId, executionRunId: runId, cancelledRunIds: [runId] });
      expect(res.body.issue).toMatchObject({ status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: null, executionRunId: null, executionAgentNameKey: null, executionLockedAt: null });
      const row = await issueRow(t, issue.id);
      expect(row).toMatchObject({ status: 'in_progress', assignee_agent_id: agent.id });
      expect(lockColumns(row)).toEqual(NO_LOCK_COLUMNS);
      const audit = await auditRows(t, issue.id, 'issue.admin_force_release');
      expect(audit).toHaveLength(1);
      expect(audit[0].details).toEqual({ issueId: issue.id, actorUserId: operator.userId, prevCheckoutRunId: runId, prevExecutionRunId: runId, clearAssignee: false, cancelledRunIds: [runId] });
      expect(audit[0]).toMatchObject({ actor_type: 'user', actor_id: operator.userId });
    });

    it('clearAssignee=false keeps the assignee too', async () => {
      const { agent, issue } = await checkedOut();
      const res = await forceRelease(issue.id, bearer(t.adminKey), '?clearAssignee=false');
      expect(res.status).toBe(200);
      expect(res.body.issue.assigneeAgentId).toBe(agent.id);
    });

    it('the assignee keeps working afterwards by adopting the unowned lock from a live run', async () => {
      const { agent, issue } = await checkedOut();
      await forceRelease(issue.id, bearer(t.adminKey)).expect(200);
      const freshRun = await seedRun(t, agent, 'running');
      const res = await t.http().patch(`/api/issues/${issue.id}`).set(asAgent(agent, freshRun)).send({ priority: 'low' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ checkoutRunId: freshRun, executionRunId: freshRun });
    });

    it('clearAssignee=maybe → 400 validation_failed, nothing changes', async () => {
      const { runId, issue } = await checkedOut();
      const res = await forceRelease(issue.id, bearer(t.adminKey), '?clearAssignee=maybe');
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect((await issueRow(t, issue.id)).checkout_run_id).toBe(runId);
      expect(await auditRows(t, issue.id, 'issue.admin_force_release')).toHaveLength(0);
    });

    it('does NOT clear stale locks first: previous reports the failed run as it stood, and no stale_lock_cleared row is written', async () => {
      const { company, agent } = await world(t);
      const failed = await seedRun(t, agent, 'failed');
      const gone = '00000000-0000-4000-8000-00000000dead';
      const issue = await seedIssue(t, company, { status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: failed, executionRunId: gone });
      const res = await forceRelease(issue.id, bearer(t.adminKey), '?clearAssignee=true');
      expect(res.status).toBe(200);
      expect(res.body.previous).toEqual({ checkoutRunId: failed, executionRunId: gone, cancelledRunIds: [] });
      expect(res.body.issue).toMatchObject({ status: 'in_progress', assigneeAgentId: null, checkoutRunId: null, executionRunId: null });
      expect(await auditRows(t, issue.id, 'issue.stale_lock_cleared')).toHaveLength(0);
      const audit = await auditRows(t, issue.id, 'issue.admin_force_release');
      expect(audit[0].details).toMatchObject({ prevCheckoutRunId: failed, prevExecutionRunId: gone, clearAssignee: true });
    });

    it('an unlocked issue: 200 with previous nulls', async () => {
      const { company } = await world(t);
      const issue = await createIssue(t, company.id);
      const res = await forceRelease(issue.id, bearer(t.adminKey));
      expect(res.status).toBe(200);
      expect(res.body.previous).toEqual({ checkoutRunId: null, executionRunId: null, cancelledRunIds: [] });
      expect(res.body.issue.status).toBe('todo');
    });

    it('an unknown issue → 404, a malformed id → 400', async () => {
      const unknown = await forceRelease('5b0c7e59-7c1a-4a55-9d0e-1d2b3c4d5e6f', bearer(t.adminKey));
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('not_found');
      const malformed = await forceRelease('not-an-id', bearer(t.adminKey));
      expect(malformed.status).toBe(400);
    });
  });
});
