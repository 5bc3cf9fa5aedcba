import { bearer, createAgent, createBoardUser, createCompany, mintRunJwt, seedIssue, seedIssueLockedBy, seedRun } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { asAgent, auditRows, checkout, createIssue, issueRow, missingRunId, world } from './issue-helpers';

/** ownership.md §4: the ownership gate on PATCH and comments (release has its own file). */
describe('ownership-gated writes: PATCH and comments', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  type Write = { name: string; send: (id: string, headers: Record<string, string>) => Promise<{ status: number; body: any }> };
  const WRITES: Write[] = [
    { name: 'PATCH', send: (id, headers) => t.http().patch(`/api/issues/${id}`).set(headers).send({ priority: 'high' }) },
    { name: 'POST comments', send: (id, headers) => t.http().post(`/api/issues/${id}/comments`).set(headers).send({ body: 'a note' }) },
  ];
  const expectWritten = async (write: Write, issueId: string) => {
    if (write.name === 'PATCH') expect((await issueRow(t, issueId)).priority).toBe('high');
    else expect((await t.db.query('SELECT count(*)::int AS n FROM issue_comments WHERE issue_id = $1', [issueId])).rows[0].n).toBe(1);
  };
  const expectNotWritten = async (write: Write, issueId: string) => {
    if (write.name === 'PATCH') expect((await issueRow(t, issueId)).priority).toBe('medium');
    else expect((await t.db.query('SELECT count(*)::int AS n FROM issue_comments WHERE issue_id = $1', [issueId])).rows[0].n).toBe(0);
  };

  describe.each(WRITES)('$name', (write) => {
    it('an unassigned issue: any agent of the company may write, with or without a run id', async () => {
      const { company, agent } = await world(t);
      const issue = await createIssue(t, company.id, { status: 'todo' });
      const res = await write.send(issue.id, asAgent(agent));
      expect(res.status).toBeLessThan(300);
      await expectWritten(write, issue.id);
    });

    it('an issue assigned to a human: any agent of the company may write', async () => {
      const { company, agent, runId } = await world(t);
      const human = await createBoardUser(t, company.id, 'operator');
      const issue = await createIssue(t, company.id, { status: 'todo', assigneeUserId: human.userId });
      const res = await write.send(issue.id, asAgent(agent, runId));
      expect(res.status).toBeLessThan(300);
      await expectWritten(write, issue.id);
    });

    it("another agent's in_progress issue → 409 checked_out_by_other_agent", async () => {
      const { company, agent, runId } = await world(t);
      const intruder = await createAgent(t, company.id);
      const intruderRun = await seedRun(t, intruder, 'running');
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const res = await write.send(issue.id, asAgent(intruder, intruderRun));
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('checked_out_by_other_agent');
      await expectNotWritten(write, issue.id);
    });

    it("another agent's issue that is not in progress → 403 not_issue_assignee", async () => {
      const { company, agent } = await world(t);
      const intruder = await createAgent(t, company.id);
      const intruderRun = await seedRun(t, intruder, 'running');
      const issue = await createIssue(t, company.id, { status: 'todo', assigneeAgentId: agent.id });
      const res = await write.send(issue.id, asAgent(intruder, intruderRun));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('not_issue_assignee');
      await expectNotWritten(write, issue.id);
    });

    it('a manager two levels up the reports_to chain overrides (in_progress issue), and the worker keeps its locks', async () => {
      const { company, agent: boss } = await world(t);
      const mid = await createAgent(t, company.id, { reportsTo: boss.id });
      const worker = await createAgent(t, company.id, { reportsTo: mid.id });
      const workerRun = await seedRun(t, worker, 'running');
      const bossRun = await seedRun(t, boss, 'running');
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, worker, workerRun);
      const res = await write.send(issue.id, asAgent(boss, bossRun));
      expect(res.status).toBeLessThan(300);
      await expectWritten(write, issue.id);
      expect(await issueRow(t, issue.id)).toMatchObject({ assignee_agent_id: worker.id, checkout_run_id: workerRun, execution_run_id: workerRun });
    });

    it('a direct report does not override its manager (the chain goes upwards only)', async () => {
      const { company, agent: boss } = await world(t);
      const bossRun = await seedRun(t, boss, 'running');
      const report = await createAgent(t, company.id, { reportsTo: boss.id });
      const reportRun = await seedRun(t, report, 'running');
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, boss, bossRun);
      const res = await write.send(issue.id, asAgent(report, reportRun));
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('checked_out_by_other_agent');
    });

    it('an agent with role ceo overrides', async () => {
      const { company, agent, runId } = await world(t);
      const ceo = await createAgent(t, company.id, { role: 'ceo' });
      const ceoRun = await seedRun(t, ceo, 'running');
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const res = await write.send(issue.id, asAgent(ceo, ceoRun));
      expect(res.status).toBeLessThan(300);
      await expectWritten(write, issue.id);
    });

    it('an agent with permissions.canManageCheckouts overrides (and one with it false does not)', async () => {
      const { company, agent, runId } = await world(t);
      const lead = await createAgent(t, company.id, { permissions: { canManageCheckouts: true } });
      const leadRun = await seedRun(t, lead, 'running');
      const plain = await createAgent(t, company.id, { permissions: { canManageCheckouts: false } });
      const plainRun = await seedRun(t, plain, 'running');
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const refused = await write.send(issue.id, asAgent(plain, plainRun));
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('checked_out_by_other_agent');
      const res = await write.send(issue.id, asAgent(lead, leadRun));
      expect(res.status).toBeLessThan(300);
      await expectWritten(write, issue.id);
    });

    it('own issue not in progress: allowed without a run id', async () => {
      const { company, agent } = await world(t);
      const issue = await createIssue(t, company.id, { status: 'todo', assigneeAgentId: agent.id });
      const res = await write.send(issue.id, asAgent(agent));
      expect(res.status).toBeLessThan(300);
      await expectWritten(write, issue.id);
    });

    it('own in_progress issue without a run id → 401 run_id_required', async () => {
      const { company, agent, runId } = await world(t);
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const res = await write.send(issue.id, asAgent(agent));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('run_id_required');
      await expectNotWritten(write, issue.id);
    });

    it('own in_progress issue held by another live run of the same agent → 409 run_ownership_conflict with full details', async () => {
      const { company, agent, runId } = await world(t);
      const secondRun = await seedRun(t, agent, 'running');
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const res = await write.send(issue.id, asAgent(agent, secondRun));
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('run_ownership_conflict');
      expect(res.body.details).toEqual({
        issueId: issue.id,
        status: 'in_progress',
        assigneeAgentId: agent.id,
        checkoutRunId: runId,
        executionRunId: runId,
        actorAgentId: agent.id,
        actorRunId: secondRun,
      });
      await expectNotWritten(write, issue.id);
      expect(await issueRow(t, issue.id)).toMatchObject({ checkout_run_id: runId, execution_run_id: runId });
    });

    it('own in_progress issue held by the caller run: allowed', async () => {
      const { company, agent, runId } = await world(t);
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const res = await write.send(issue.id, asAgent(agent, runId));
      expect(res.status).toBeLessThan(300);
      await expectWritten(write, issue.id);
      expect(await auditRows(t, issue.id, 'issue.checkout_lock_adopted')).toHaveLength(0);
    });

    it('own in_progress issue held by a terminal run → adopt, audit {previousCheckoutRunId, reason: "stale_checkout_run"}', async () => {
      const { company, agent, runId } = await world(t);
      const failed = await seedRun(t, agent, 'failed');
      const issue = await seedIssueLockedBy(t, company, agent, failed);
      const res = await write.send(issue.id, asAgent(agent, runId));
      expect(res.status).toBeLessThan(300);
      await expectWritten(write, issue.id);
      expect(await issueRow(t, issue.id)).toMatchObject({ checkout_run_id: runId, execution_run_id: runId, execution_agent_name_key: agent.name.toLowerCase() });
      const adopted = await auditRows(t, issue.id, 'issue.checkout_lock_adopted');
      expect(adopted).toHaveLength(1);
      expect(adopted[0].details).toMatchObject({ previousCheckoutRunId: failed, reason: 'stale_checkout_run' });
      expect(adopted[0]).toMatchObject({ actor_type: 'agent', actor_id: agent.id, run_id: runId });
    });

    it('own in_progress issue held by a missing run → adopt, audit names the missing run', async () => {
      const { company, agent, runId } = await world(t);
      const gone = missingRunId();
      const issue = await seedIssue(t, company, { status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: gone, executionRunId: gone });
      const res = await write.send(issue.id, asAgent(agent, runId));
      expect(res.status).toBeLessThan(300);
      expect((await issueRow(t, issue.id)).checkout_run_id).toBe(runId);
      const adopted = await auditRows(t, issue.id, 'issue.checkout_lock_adopted');
      expect(adopted).toHaveLength(1);
      expect(adopted[0].details).toMatchObject({ previousCheckoutRunId: gone, reason: 'stale_checkout_run' });
    });

    it('own unowned in_progress issue (board checkout on behalf) → adopt with previousCheckoutRunId null', async () => {
      const { company, agent, runId } = await world(t);
      const issue = await createIssue(t, company.id);
      await t.http().post(`/api/issues/${issue.id}/checkout`).set(bearer(t.adminKey)).send({ agentId: agent.id, expectedStatuses: ['todo'] }).expect(200);
      const res = await write.send(issue.id, asAgent(agent, runId));
      expect(res.status).toBeLessThan(300);
      expect((await issueRow(t, issue.id)).checkout_run_id).toBe(runId);
      const adopted = await auditRows(t, issue.id, 'issue.checkout_lock_adopted');
      expect(adopted).toHaveLength(1);
      expect(adopted[0].details.previousCheckoutRunId).toBeNull();
    });

    it('own in_progress issue with a terminal caller run → 409 run_not_live (a dead run\'s late write never lands)', async () => {
      const { company, agent, runId } = await world(t);
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      await t.db.query(`UPDATE heartbeat_runs SET status = 'succeeded', finished_at = now() WHERE id = $1`, [runId]);
      const res = await write.send(issue.id, asAgent(agent, runId));
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('run_not_live');
      await expectNotWritten(write, issue.id);
    });

    it('a board operator always passes, a viewer is read-only (403 read_only_membership)', async () => {
      const { company, agent, runId } = await world(t);
      const operator = await createBoardUser(t, company.id, 'operator');
      const viewer = await createBoardUser(t, company.id, 'viewer');
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const refused = await write.send(issue.id, bearer(viewer.key));
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('read_only_membership');
      const res = await write.send(issue.id, bearer(operator.key));
      expect(res.status).toBeLessThan(300);
      await expectWritten(write, issue.id);
      expect((await issueRow(t, issue.id)).checkout_run_id).toBe(runId);
    });

    it('an agent of another company → 403 company_access_denied', async () => {
      const { company } = await world(t);
      const elsewhere = await createCompany(t);
      const stranger = await createAgent(t, elsewhere.id);
      const issue = await createIssue(t, company.id);
      const res = await write.send(issue.id, asAgent(stranger));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('company_access_denied');
      await expectNotWritten(write, issue.id);
    });
  });

  describe('fencing: a run id, when sent, must be the caller\'s live run whatever gate rule applies (ownership.md §8)', () => {
    const GATED: Write[] = [
      ...WRITES,
      { name: 'POST release', send: (id, headers) => t.http().post(`/api/issues/${id}/release`).set(headers).send() },
    ];

    it.each(GATED)('$name on an unassigned issue with its own terminal run → 409 run_not_live, nothing lands', async (write) => {
      const { company, agent } = await world(t);
      const dead = await seedRun(t, agent, 'failed');
      const issue = await createIssue(t, company.id, { status: 'todo' });
      const before = await issueRow(t, issue.id);
      const res = await write.send(issue.id, asAgent(agent, dead));
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('run_not_live');
      expect(await issueRow(t, issue.id)).toEqual(before);
      expect((await t.db.query('SELECT count(*)::int AS n FROM issue_comments WHERE issue_id = $1', [issue.id])).rows[0].n).toBe(0);
    });

    it.each(GATED)('$name on its own todo issue with a queued run → 409 run_not_live', async (write) => {
      const { company, agent } = await world(t);
      const queued = await seedRun(t, agent, 'queued');
      const issue = await createIssue(t, company.id, { status: 'todo', assigneeAgentId: agent.id });
      const before = await issueRow(t, issue.id);
      const res = await write.send(issue.id, asAgent(agent, queued));
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('run_not_live');
      expect(await issueRow(t, issue.id)).toEqual(before);
    });

    it.each(GATED)("$name naming another agent's live run → 403 run_not_owned (no write is attributed to a foreign run)", async (write) => {
      const { company, agent } = await world(t);
      const other = await createAgent(t, company.id);
      const othersRun = await seedRun(t, other, 'running');
      const issue = await createIssue(t, company.id, { status: 'todo' });
      const before = await issueRow(t, issue.id);
      const res = await write.send(issue.id, asAgent(agent, othersRun));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('run_not_owned');
      expect(await issueRow(t, issue.id)).toEqual(before);
    });

    it.each(GATED)('$name naming a run that does not exist → 403 run_not_owned', async (write) => {
      const { company, agent } = await world(t);
      const issue = await createIssue(t, company.id, { status: 'todo' });
      const res = await write.send(issue.id, asAgent(agent, missingRunId()));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('run_not_owned');
    });

    it('a malformed X-Paperclip-Run-Id → 400 validation_failed', async () => {
      const { company, agent } = await world(t);
      const issue = await createIssue(t, company.id, { status: 'todo' });
      const res = await t.http().patch(`/api/issues/${issue.id}`).set({ ...bearer(agent.key), 'X-Paperclip-Run-Id': 'run-42' }).send({ priority: 'high' });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    });

    it("a run JWT whose run_id is another agent's run → 403 run_not_owned", async () => {
      const { company, agent, runId } = await world(t);
      const other = await createAgent(t, company.id);
      const othersRun = await seedRun(t, other, 'running');
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const token = await mintRunJwt(t, { agentId: agent.id, companyId: company.id, runId: othersRun });
      const res = await t.http().patch(`/api/issues/${issue.id}`).set(bearer(token)).send({ priority: 'high' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('run_not_owned');
    });

    it('a run JWT of the owning run passes the gate without the header', async () => {
      const { company, agent, runId } = await world(t);
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const token = await mintRunJwt(t, { agentId: agent.id, companyId: company.id, runId });
      const res = await t.http().patch(`/api/issues/${issue.id}`).set(bearer(token)).send({ priority: 'high' });
      expect(res.status).toBe(200);
      expect(res.body.checkoutRunId).toBe(runId);
    });
  });

  it('execution lock held by another live run of the same agent (checkout lock null) → PATCH 409 run_ownership_conflict, checkout 409 checkout_conflict', async () => {
    const { company, agent, runId } = await world(t);
    const executing = await seedRun(t, agent, 'running');
    const issue = await seedIssueLockedBy(t, company, agent, executing, { checkoutRunId: null });
    const patch = await t.http().patch(`/api/issues/${issue.id}`).set(asAgent(agent, runId)).send({ priority: 'high' });
    expect(patch.status).toBe(409);
    expect(patch.body.code).toBe('run_ownership_conflict');
    expect(patch.body.details).toMatchObject({ checkoutRunId: null, executionRunId: executing, actorRunId: runId });
    const co = await t.http().post(`/api/issues/${issue.id}/checkout`).set(asAgent(agent, runId)).send({ agentId: agent.id, expectedStatuses: ['in_progress'] });
    expect(co.status).toBe(409);
    expect(co.body.code).toBe('checkout_conflict');
    expect(await issueRow(t, issue.id)).toMatchObject({ checkout_run_id: null, execution_run_id: executing, priority: 'medium' });
  });

  it('a manager three levels up overrides too', async () => {
    const { company, agent: top } = await world(t);
    const topRun = await seedRun(t, top, 'running');
    const l2 = await createAgent(t, company.id, { reportsTo: top.id });
    const l3 = await createAgent(t, company.id, { reportsTo: l2.id });
    const worker = await createAgent(t, company.id, { reportsTo: l3.id });
    const workerRun = await seedRun(t, worker, 'running');
    const issue = await createIssue(t, company.id);
    await checkout(t, issue.id, worker, workerRun);
    const res = await t.http().patch(`/api/issues/${issue.id}`).set(asAgent(top, topRun)).send({ priority: 'critical' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ priority: 'critical', checkoutRunId: workerRun });
  });

  it('a comment by an agent records its author and run', async () => {
    const { company, agent, runId } = await world(t);
    const issue = await createIssue(t, company.id);
    await checkout(t, issue.id, agent, runId);
    const res = await t.http().post(`/api/issues/${issue.id}/comments`).set(asAgent(agent, runId)).send({ body: 'progress' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ issueId: issue.id, companyId: company.id, authorAgentId: agent.id, authorUserId: null, createdByRunId: runId, body: 'progress' });
    const audit = await auditRows(t, issue.id, 'issue.comment_added');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'agent', actor_id: agent.id, run_id: runId });
  });

  it('PATCH with a comment posts it in the same write, gated once', async () => {
    const { company, agent, runId } = await world(t);
    const secondRun = await seedRun(t, agent, 'running');
    const issue = await createIssue(t, company.id);
    await checkout(t, issue.id, agent, runId);
    const refused = await t.http().patch(`/api/issues/${issue.id}`).set(asAgent(agent, secondRun)).send({ comment: 'sneaky' });
    expect(refused.status).toBe(409);
    const ok = await t.http().patch(`/api/issues/${issue.id}`).set(asAgent(agent, runId)).send({ comment: 'fine' });
    expect(ok.status).toBe(200);
    expect(ok.body.comment).toMatchObject({ body: 'fine', authorAgentId: agent.id, createdByRunId: runId });
    const comments = await t.db.query('SELECT body FROM issue_comments WHERE issue_id = $1', [issue.id]);
    expect(comments.rows.map((r) => r.body)).toEqual(['fine']);
  });
});
