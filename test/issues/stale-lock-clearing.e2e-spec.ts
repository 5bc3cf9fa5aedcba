import { bearer, createAgent, seedIssue, seedIssueLockedBy, seedRun } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { asAgent, auditRows, issueRow, lockColumns, missingRunId, NO_LOCK_COLUMNS, world } from './issue-helpers';

/** ownership.md §6: stale-lock clearing on the ownership-checked routes. */
describe('stale-lock clearing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** A board PATCH: passes the gate whatever the locks, so only the clearing changes them. */
  const touch = (issueId: string) => t.http().patch(`/api/issues/${issueId}`).set(bearer(t.adminKey)).send({ priority: 'low' });

  it('a stale checkout lock alone is cleared too (symmetric); one system audit row with the exact details', async () => {
    const { company, agent } = await world(t);
    const failed = await seedRun(t, agent, 'failed');
    const issue = await seedIssue(t, company, { status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: failed, executionRunId: null });
    const res = await touch(issue.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: null, executionRunId: null });
    expect(lockColumns(await issueRow(t, issue.id))).toEqual(NO_LOCK_COLUMNS);

    const cleared = await auditRows(t, issue.id, 'issue.stale_lock_cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0]).toMatchObject({ actor_type: 'system', entity_type: 'issue', entity_id: issue.id, company_id: company.id });
    expect(cleared[0].details).toMatchObject({ clearedCheckoutRunId: failed, clearedExecutionRunId: null, runStatuses: { [failed]: 'failed' } });
  });

  it('a stale execution lock alone is cleared (all three execution columns)', async () => {
    const { company, agent } = await world(t);
    const timedOut = await seedRun(t, agent, 'timed_out');
    const issue = await seedIssue(t, company, { status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: null, executionRunId: timedOut });
    expect(await touch(issue.id).then((r) => r.status)).toBe(200);
    expect(lockColumns(await issueRow(t, issue.id))).toEqual(NO_LOCK_COLUMNS);
    const cleared = await auditRows(t, issue.id, 'issue.stale_lock_cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0].details).toMatchObject({ clearedCheckoutRunId: null, clearedExecutionRunId: timedOut, runStatuses: { [timedOut]: 'timed_out' } });
  });

  it('compare-and-clear: a stale execution lock is cleared but a live checkout holder is kept', async () => {
    const { company, agent, runId } = await world(t);
    const failed = await seedRun(t, agent, 'failed');
    const issue = await seedIssue(t, company, { status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: runId, executionRunId: failed });
    expect((await touch(issue.id)).status).toBe(200);
    const row = await issueRow(t, issue.id);
    expect(row.checkout_run_id).toBe(runId);
    expect(row.execution_run_id).toBeNull();
    expect(row.execution_agent_name_key).toBeNull();
    expect(row.execution_locked_at).toBeNull();
    const cleared = await auditRows(t, issue.id, 'issue.stale_lock_cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0].details).toMatchObject({ clearedCheckoutRunId: null, clearedExecutionRunId: failed });
  });

  it('compare-and-clear: a stale checkout lock is cleared but a live execution holder is kept', async () => {
    const { company, agent, runId } = await world(t);
    const cancelled = await seedRun(t, agent, 'cancelled');
    const issue = await seedIssueLockedBy(t, company, agent, runId, { checkoutRunId: cancelled });
    expect((await touch(issue.id)).status).toBe(200);
    const row = await issueRow(t, issue.id);
    expect(row.checkout_run_id).toBeNull();
    expect(row.execution_run_id).toBe(runId);
    expect(row.execution_agent_name_key).toBe(agent.name.toLowerCase());
    expect(row.execution_locked_at).not.toBeNull();
    const cleared = await auditRows(t, issue.id, 'issue.stale_lock_cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0].details).toMatchObject({ clearedCheckoutRunId: cancelled, clearedExecutionRunId: null });
  });

  it('live locks are never cleared and no audit row is written', async () => {
    const { company, agent, runId } = await world(t);
    const issue = await seedIssueLockedBy(t, company, agent, runId);
    expect((await touch(issue.id)).status).toBe(200);
    expect(await issueRow(t, issue.id)).toMatchObject({ checkout_run_id: runId, execution_run_id: runId });
    expect(await auditRows(t, issue.id, 'issue.stale_lock_cleared')).toHaveLength(0);
  });

  it('a lock naming a MISSING run (no row) is stale', async () => {
    const { company, agent } = await world(t);
    const gone = missingRunId();
    const issue = await seedIssue(t, company, { status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: gone, executionRunId: gone });
    expect((await touch(issue.id)).status).toBe(200);
    expect(lockColumns(await issueRow(t, issue.id))).toEqual(NO_LOCK_COLUMNS);
    const cleared = await auditRows(t, issue.id, 'issue.stale_lock_cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0].details).toMatchObject({ clearedCheckoutRunId: gone, clearedExecutionRunId: gone });
    expect(Object.keys(cleared[0].details.runStatuses as object)).toContain(gone);
  });

  it('a lock naming a QUEUED run is stale (queued runs hold nothing); the live run of the assignee then adopts', async () => {
    const { company, agent, runId } = await world(t);
    const queued = await seedRun(t, agent, 'queued');
    const issue = await seedIssueLockedBy(t, company, agent, queued);
    const res = await t.http().patch(`/api/issues/${issue.id}`).set(asAgent(agent, runId)).send({ priority: 'low' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ checkoutRunId: runId, executionRunId: runId });
    const cleared = await auditRows(t, issue.id, 'issue.stale_lock_cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0].details).toMatchObject({ clearedCheckoutRunId: queued, clearedExecutionRunId: queued, runStatuses: { [queued]: 'queued' } });
  });

  it.each([
    ['PATCH', (id: string) => t.http().patch(`/api/issues/${id}`).set(bearer(t.adminKey)).send({ title: 'touched' })],
    ['POST comments', (id: string) => t.http().post(`/api/issues/${id}/comments`).set(bearer(t.adminKey)).send({ body: 'hello' })],
    ['POST release', (id: string) => t.http().post(`/api/issues/${id}/release`).set(bearer(t.adminKey)).send()],
  ] as const)('%s clears stale locks before the handler, with exactly one audit row', async (_name, send) => {
    const { company, agent } = await world(t);
    const failed = await seedRun(t, agent, 'failed');
    const issue = await seedIssue(t, company, { status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: failed, executionRunId: failed });
    const res = await send(issue.id);
    expect(res.status).toBeLessThan(300);
    expect(lockColumns(await issueRow(t, issue.id))).toEqual(NO_LOCK_COLUMNS);
    const cleared = await auditRows(t, issue.id, 'issue.stale_lock_cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0].details).toMatchObject({ clearedCheckoutRunId: failed, clearedExecutionRunId: failed, runStatuses: { [failed]: 'failed' } });
  });

  it('a refused write still leaves the stale lock cleared (the clearing is its own transaction)', async () => {
    const { company, agent } = await world(t);
    const failed = await seedRun(t, agent, 'failed');
    const issue = await seedIssue(t, company, { status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: failed, executionRunId: failed });
    const intruder = await createAgent(t, company.id);
    const intruderRun = await seedRun(t, intruder, 'running');
    const res = await t.http().patch(`/api/issues/${issue.id}`).set(asAgent(intruder, intruderRun)).send({ priority: 'low' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('checked_out_by_other_agent');
    const row = await issueRow(t, issue.id);
    expect(row).toMatchObject({ status: 'in_progress', assignee_agent_id: agent.id, priority: 'medium' });
    expect(lockColumns(row)).toEqual(NO_LOCK_COLUMNS);
    expect(await auditRows(t, issue.id, 'issue.stale_lock_cleared')).toHaveLength(1);
  });
});
