import { bearer, seedIssue, seedRun } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { asAgent, auditRows, checkout, createIssue, issueRow, world } from './issue-helpers';

/**
 * ownership.md §10: every mutation writes its audit row in the same transaction. A test-only
 * trigger makes the audit insert of one action fail; the change must be rolled back with it.
 * (A 5xx is acceptable here only because the database itself raised.)
 */
describe('audit atomicity', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await t.db.query(`CREATE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit insert refused by test trigger for %', NEW.action; END $$`);
  });
  afterEach(async () => {
    await t.db.query('DROP TRIGGER IF EXISTS test_fail_audit ON activity_log');
  });
  afterAll(async () => {
    await t.db.query('DROP FUNCTION IF EXISTS test_fail_audit()');
    await t.close();
  });

  async function failAuditOf(action: string) {
    await t.db.query(
      `CREATE TRIGGER test_fail_audit BEFORE INSERT ON activity_log FOR EACH ROW
       WHEN (NEW.action = '${action.replace(/'/g, "''")}') EXECUTE FUNCTION test_fail_audit()`,
    );
  }

  const expectError = (res: { status: number }) => expect(res.status).toBeGreaterThanOrEqual(400);

  it('checkout: a failing issue.checked_out insert rolls the checkout back', async () => {
    const { company, agent, runId } = await world(t);
    const issue = await createIssue(t, company.id, { status: 'todo' });
    const before = await issueRow(t, issue.id);
    await failAuditOf('issue.checked_out');

    const res = await t.http().post(`/api/issues/${issue.id}/checkout`).set(asAgent(agent, runId)).send({ agentId: agent.id, expectedStatuses: ['todo'] });
    expectError(res);
    expect(await issueRow(t, issue.id)).toEqual(before);
    expect(await auditRows(t, issue.id, 'issue.checked_out')).toHaveLength(0);

    // With the trigger gone the same checkout goes through.
    await t.db.query('DROP TRIGGER test_fail_audit ON activity_log');
    expect((await checkout(t, issue.id, agent, runId, ['todo'])).checkoutRunId).toBe(runId);
  });

  it('release: a failing issue.released insert keeps the issue in progress, assigned and locked', async () => {
    const { company, agent, runId } = await world(t);
    const issue = await createIssue(t, company.id, { status: 'todo' });
    await checkout(t, issue.id, agent, runId);
    const before = await issueRow(t, issue.id);
    await failAuditOf('issue.released');

    const res = await t.http().post(`/api/issues/${issue.id}/release`).set(asAgent(agent, runId)).send();
    expectError(res);
    const after = await issueRow(t, issue.id);
    expect(after).toEqual(before);
    expect(after).toMatchObject({ status: 'in_progress', assignee_agent_id: agent.id, checkout_run_id: runId, execution_run_id: runId });
  });

  it('PATCH: a failing issue.updated insert rolls back the status, priority and lock changes', async () => {
    const { company, agent, runId } = await world(t);
    const issue = await createIssue(t, company.id, { status: 'todo' });
    await checkout(t, issue.id, agent, runId);
    const before = await issueRow(t, issue.id);
    await failAuditOf('issue.updated');

    const res = await t.http().patch(`/api/issues/${issue.id}`).set(asAgent(agent, runId)).send({ status: 'in_review', priority: 'critical', comment: 'done, please review' });
    expectError(res);
    expect(await issueRow(t, issue.id)).toEqual(before);
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM issue_comments WHERE issue_id = $1', [issue.id]);
    expect(rows[0].n).toBe(0);
  });

  it('PATCH with a comment: a failing issue.comment_added insert rolls back the issue change too', async () => {
    const { company, agent, runId } = await world(t);
    const [warmUp, issue] = [await createIssue(t, company.id, { status: 'todo' }), await createIssue(t, company.id, { status: 'todo' })];
    const patch = (id: string) => t.http().patch(`/api/issues/${id}`).set(asAgent(agent, runId)).send({ status: 'in_review', comment: 'done, please review' });
    // The same PATCH once beforehand, so its statements are prepared on the connection (and batched).
    await checkout(t, warmUp.id, agent, runId);
    expect((await patch(warmUp.id)).status).toBe(200);
    await checkout(t, issue.id, agent, runId);
    const before = await issueRow(t, issue.id);
    await failAuditOf('issue.comment_added');

    const res = await patch(issue.id);
    expectError(res);
    expect(await issueRow(t, issue.id)).toEqual(before);
    expect(await auditRows(t, issue.id, 'issue.updated')).toHaveLength(0);
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM issue_comments WHERE issue_id = $1', [issue.id]);
    expect(rows[0].n).toBe(0);
  });

  it('adoption: a failing issue.checkout_lock_adopted insert leaves the issue unowned', async () => {
    const { company, agent, runId } = await world(t);
    const issue = await createIssue(t, company.id, { status: 'todo' });
    await t.http().post(`/api/issues/${issue.id}/checkout`).set(bearer(t.adminKey)).send({ agentId: agent.id, expectedStatuses: ['todo'] }).expect(200);
    const before = await issueRow(t, issue.id);
    await failAuditOf('issue.checkout_lock_adopted');

    const res = await t.http().patch(`/api/issues/${issue.id}`).set(asAgent(agent, runId)).send({ priority: 'high' });
    expectError(res);
    expect(await issueRow(t, issue.id)).toEqual(before);
    expect(before.checkout_run_id).toBeNull();
  });

  it('force-release: a failing issue.admin_force_release insert keeps the locks and the assignee', async () => {
    const { company, agent, runId } = await world(t);
    const issue = await createIssue(t, company.id, { status: 'todo' });
    await checkout(t, issue.id, agent, runId);
    const before = await issueRow(t, issue.id);
    await failAuditOf('issue.admin_force_release');

    const res = await t.http().post(`/api/issues/${issue.id}/admin/force-release?clearAssignee=true`).set(bearer(t.adminKey)).send();
    expectError(res);
    expect(await issueRow(t, issue.id)).toEqual(before);
  });

  it('stale-lock clearing: a failing issue.stale_lock_cleared insert leaves the stale locks as they were', async () => {
    const { company, agent } = await world(t);
    const failed = await seedRun(t, agent, 'failed');
    const issue = await seedIssue(t, company, { status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: failed, executionRunId: failed });
    const before = await issueRow(t, issue.id);
    await failAuditOf('issue.stale_lock_cleared');

    const res = await t.http().patch(`/api/issues/${issue.id}`).set(bearer(t.adminKey)).send({ priority: 'low' });
    expectError(res);
    expect(await issueRow(t, issue.id)).toEqual(before);
  });

  it('comments: a failing issue.comment_added insert leaves no comment', async () => {
    const { company } = await world(t);
    const issue = await createIssue(t, company.id);
    await failAuditOf('issue.comment_added');
    const res = await t.http().post(`/api/issues/${issue.id}/comments`).set(bearer(t.adminKey)).send({ body: 'lost?' });
    expectError(res);
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM issue_comments WHERE issue_id = $1', [issue.id]);
    expect(rows[0].n).toBe(0);
  });

  it('create: a failing issue.created insert creates nothing and does not consume a number', async () => {
    const { company } = await world(t);
    await failAuditOf('issue.created');
    const res = await t.http().post(`/api/companies/${company.id}/issues`).set(bearer(t.adminKey)).send({ title: 'ghost' });
    expectError(res);
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM issues WHERE company_id = $1', [company.id]);
    expect(rows[0].n).toBe(0);
    await t.db.query('DROP TRIGGER test_fail_audit ON activity_log');
    expect((await createIssue(t, company.id)).issueNumber).toBe(1);
  });
});
