import { bearer, createAgent, createBoardUser, seedIssue, seedIssueLockedBy, seedRun } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { asAgent, auditRows, issueRow, lockColumns, NO_LOCK_COLUMNS, world } from './issue-helpers';

/**
 * The three scenarios of the original stale-lock fix (ownership.md §4–§6, §9), each seeded with
 * direct SQL as a crashed run would have left the rows.
 */
describe('stale-lock fix: the three crash scenarios', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('(a) the assignee recovers an in_progress issue whose execution run failed and whose checkout lock is null, from its new live run', async () => {
    const { company, agent } = await world(t);
    const failedRun = await seedRun(t, agent, 'failed');
    const newRun = await seedRun(t, agent, 'running');
    const issue = await seedIssue(t, company, {
      status: 'in_progress',
      assigneeAgentId: agent.id,
      checkoutRunId: null,
      executionRunId: failedRun,
      executionAgentNameKey: agent.name.toLowerCase(),
    });

    const res = await t.http().patch(`/api/issues/${issue.id}`).set(asAgent(agent, newRun)).send({ description: 'picking this back up' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'in_progress',
      assigneeAgentId: agent.id,
      checkoutRunId: newRun,
      executionRunId: newRun,
      executionAgentNameKey: agent.name.toLowerCase(),
      description: 'picking this back up',
    });

    const row = await issueRow(t, issue.id);
    expect(row).toMatchObject({ status: 'in_progress', assignee_agent_id: agent.id, checkout_run_id: newRun, execution_run_id: newRun });
    expect(row.execution_locked_at).not.toBeNull();

    const cleared = await auditRows(t, issue.id, 'issue.stale_lock_cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0].actor_type).toBe('system');
    expect(cleared[0].details).toMatchObject({ clearedCheckoutRunId: null, clearedExecutionRunId: failedRun });

    const adopted = await auditRows(t, issue.id, 'issue.checkout_lock_adopted');
    expect(adopted).toHaveLength(1);
    expect(adopted[0].details.previousCheckoutRunId).toBeNull();
    expect(adopted[0]).toMatchObject({ actor_type: 'agent', actor_id: agent.id, agent_id: agent.id, run_id: newRun });
  });

  it('(b) the rightful assignee releases after its owning run failed: todo, no assignee, no locks', async () => {
    const { company, agent } = await world(t);
    const failedRun = await seedRun(t, agent, 'failed');
    const newRun = await seedRun(t, agent, 'running');
    const issue = await seedIssueLockedBy(t, company, agent, failedRun);

    const res = await t.http().post(`/api/issues/${issue.id}/release`).set(asAgent(agent, newRun));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'todo',
      assigneeAgentId: null,
      checkoutRunId: null,
      executionRunId: null,
      executionAgentNameKey: null,
      executionLockedAt: null,
    });

    const row = await issueRow(t, issue.id);
    expect(row.status).toBe('todo');
    expect(row.assignee_agent_id).toBeNull();
    expect(lockColumns(row)).toEqual(NO_LOCK_COLUMNS);
    expect(await auditRows(t, issue.id, 'issue.released')).toHaveLength(1);
  });

  describe('(c) admin force-release of an issue whose run failed', () => {
    async function seedStuck() {
      const w = await world(t);
      const failedRun = await seedRun(t, w.agent, 'failed');
      const issue = await seedIssueLockedBy(t, w.company, w.agent, failedRun);
      return { ...w, failedRun, issue };
    }

    it('is refused to an agent (403 board_required), even the assignee', async () => {
      const { agent, runId, issue, failedRun } = await seedStuck();
      const res = await t.http().post(`/api/issues/${issue.id}/admin/force-release?clearAssignee=true`).set(asAgent(agent, runId));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('board_required');
      expect((await issueRow(t, issue.id)).checkout_run_id).toBe(failedRun);
    });

    it('is refused to a board user without membership of the company (403 company_access_denied)', async () => {
      const { issue, failedRun } = await seedStuck();
      const outsider = await createBoardUser(t);
      const res = await t.http().post(`/api/issues/${issue.id}/admin/force-release?clearAssignee=true`).set(bearer(outsider.key));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('company_access_denied');
      expect((await issueRow(t, issue.id)).checkout_run_id).toBe(failedRun);
    });

    it('for a company admin with clearAssignee=true: returns {issue, previous}, clears locks and assignee, keeps the status, audits exactly', async () => {
      const { company, issue, failedRun } = await seedStuck();
      const admin = await createBoardUser(t, company.id, 'admin');

      const res = await t.http().post(`/api/issues/${issue.id}/admin/force-release?clearAssignee=true`).set(bearer(admin.key));
      expect(res.status).toBe(200);
      expect(res.body.previous).toEqual({ checkoutRunId: failedRun, executionRunId: failedRun, cancelledRunIds: [] });
      expect(res.body.issue).toMatchObject({
        id: issue.id,
        status: 'in_progress',
        assigneeAgentId: null,
        checkoutRunId: null,
        executionRunId: null,
        executionAgentNameKey: null,
        executionLockedAt: null,
      });

      const row = await issueRow(t, issue.id);
      expect(row.status).toBe('in_progress');
      expect(row.assignee_agent_id).toBeNull();
      expect(lockColumns(row)).toEqual(NO_LOCK_COLUMNS);

      const audit = await auditRows(t, issue.id, 'issue.admin_force_release');
      expect(audit).toHaveLength(1);
      expect(audit[0].actor_type).toBe('user');
      expect(audit[0].actor_id).toBe(admin.userId);
      expect(audit[0].details).toEqual({
        issueId: issue.id,
        actorUserId: admin.userId,
        prevCheckoutRunId: failedRun,
        prevExecutionRunId: failedRun,
        clearAssignee: true,
        cancelledRunIds: [],
      });
    });

    it('a fresh run of the agent can take the issue again afterwards', async () => {
      const { company, agent, issue } = await seedStuck();
      const admin = await createBoardUser(t, company.id, 'admin');
      await t.http().post(`/api/issues/${issue.id}/admin/force-release?clearAssignee=true`).set(bearer(admin.key)).expect(200);
      const other = await createAgent(t, company.id);
      const otherRun = await seedRun(t, other, 'running');
      const res = await t.http().post(`/api/issues/${issue.id}/checkout`).set(asAgent(other, otherRun)).send({ agentId: other.id, expectedStatuses: ['in_progress'] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ assigneeAgentId: other.id, checkoutRunId: otherRun });
      expect(agent.id).not.toBe(other.id);
    });
  });
});
