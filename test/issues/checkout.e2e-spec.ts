import { bearer, createAgent, createBoardUser, createCompany, mintRunJwt, seedIssueLockedBy, seedRun } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { asAgent, auditRows, checkout, createIssue, issueRow, lockColumns, NO_LOCK_COLUMNS, world } from './issue-helpers';

/** ownership.md §3 (checkout) and §8 (run ids on requests). */
describe('POST /api/issues/:id/checkout', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const post = (id: string, headers: Record<string, string>, body: Record<string, unknown>) => t.http().post(`/api/issues/${id}/checkout`).set(headers).send(body);

  /** The issue row must be exactly as before a refused request. */
  async function expectUntouched(issueId: string, before: Awaited<ReturnType<typeof issueRow>>) {
    const after = await issueRow(t, issueId);
    expect(after).toEqual(before);
  }

  it('primary path: in_progress, assignee, both locks = caller run, name key, locked_at, started_at; audit issue.checked_out with details.agentId', async () => {
    const { company, agent, runId } = await world(t);
    const issue = await createIssue(t, company.id, { status: 'todo' });
    const res = await post(issue.id, asAgent(agent, runId), { agentId: agent.id, expectedStatuses: ['todo'] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: issue.id,
      status: 'in_progress',
      assigneeAgentId: agent.id,
      checkoutRunId: runId,
      executionRunId: runId,
      executionAgentNameKey: agent.name.toLowerCase(),
    });
    expect(res.body.executionLockedAt).not.toBeNull();
    expect(res.body.startedAt).not.toBeNull();

    const audit = await auditRows(t, issue.id, 'issue.checked_out');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'agent', actor_id: agent.id, agent_id: agent.id, run_id: runId });
    expect(audit[0].details.agentId).toBe(agent.id);
  });

  it('accepts the issue identifier (any case) as the path id', async () => {
    const { company, agent, runId } = await world(t);
    const issue = await createIssue(t, company.id);
    const res = await post(issue.identifier.toLowerCase(), asAgent(agent, runId), { agentId: agent.id, expectedStatuses: ['todo'] });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(issue.id);
  });

  it('an issue already assigned to the caller (not in_progress) can be checked out', async () => {
    const { company, agent, runId } = await world(t);
    const issue = await createIssue(t, company.id, { status: 'todo', assigneeAgentId: agent.id });
    const res = await post(issue.id, asAgent(agent, runId), { agentId: agent.id, expectedStatuses: ['todo'] });
    expect(res.status).toBe(200);
    expect(res.body.checkoutRunId).toBe(runId);
  });

  it('agentId other than the caller → 403 checkout_as_other_agent', async () => {
    const { company, agent, runId } = await world(t);
    const other = await createAgent(t, company.id);
    const issue = await createIssue(t, company.id);
    const before = await issueRow(t, issue.id);
    const res = await post(issue.id, asAgent(agent, runId), { agentId: other.id, expectedStatuses: ['todo'] });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('checkout_as_other_agent');
    await expectUntouched(issue.id, before);
  });

  it('self-checkout again by the owning run is idempotent: 200, row unchanged, no new audit row', async () => {
    const { company, agent, runId } = await world(t);
    const issue = await createIssue(t, company.id);
    const first = await checkout(t, issue.id, agent, runId, ['todo']);
    const auditBefore = await auditRows(t, issue.id);
    const before = await issueRow(t, issue.id);

    const again = await post(issue.id, asAgent(agent, runId), { agentId: agent.id, expectedStatuses: ['todo'] });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first);
    await expectUntouched(issue.id, before);
    expect(await auditRows(t, issue.id)).toHaveLength(auditBefore.length);
  });

  it('board checkout on behalf leaves the issue unowned in_progress; the agent run checking out adopts it (issue.checkout_lock_adopted)', async () => {
    const { company, agent, runId } = await world(t);
    const operator = await createBoardUser(t, company.id, 'operator');
    const issue = await createIssue(t, company.id);

    const onBehalf = await post(issue.id, bearer(operator.key), { agentId: agent.id, expectedStatuses: ['todo'] });
    expect(onBehalf.status).toBe(200);
    expect(onBehalf.body).toMatchObject({ status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: null, executionRunId: null });
    expect(onBehalf.body.startedAt).not.toBeNull();
    const checkedOut = await auditRows(t, issue.id, 'issue.checked_out');
    expect(checkedOut).toHaveLength(1);
    expect(checkedOut[0]).toMatchObject({ actor_type: 'user', actor_id: operator.userId });
    expect(checkedOut[0].details.agentId).toBe(agent.id);

    const adopted = await post(issue.id, asAgent(agent, runId), { agentId: agent.id, expectedStatuses: ['todo'] });
    expect(adopted.status).toBe(200);
    expect(adopted.body).toMatchObject({ status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: runId, executionRunId: runId, executionAgentNameKey: agent.name.toLowerCase() });
    const adoptRows = await auditRows(t, issue.id, 'issue.checkout_lock_adopted');
    expect(adoptRows).toHaveLength(1);
    expect(adoptRows[0]).toMatchObject({ actor_type: 'agent', actor_id: agent.id, run_id: runId });
    expect(adoptRows[0].details.previousCheckoutRunId).toBeNull();
    // Adoption is not a second checkout.
    expect(await auditRows(t, issue.id, 'issue.checked_out')).toHaveLength(1);
  });

  it('a viewer cannot check out on behalf (403 read_only_membership)', async () => {
    const { company, agent } = await world(t);
    const viewer = await createBoardUser(t, company.id, 'viewer');
    const issue = await createIssue(t, company.id);
    const res = await post(issue.id, bearer(viewer.key), { agentId: agent.id, expectedStatuses: ['todo'] });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('read_only_membership');
  });

  it('held by another agent → 409 checkout_conflict with details {issueId, status, assigneeAgentId, checkoutRunId, executionRunId, holderRunStatus}', async () => {
    const { company, agent, runId } = await world(t);
    const rival = await createAgent(t, company.id);
    const rivalRun = await seedRun(t, rival, 'running');
    const issue = await createIssue(t, company.id);
    await checkout(t, issue.id, agent, runId);
    const before = await issueRow(t, issue.id);

    const res = await post(issue.id, asAgent(rival, rivalRun), { agentId: rival.id, expectedStatuses: ['todo', 'in_progress'] });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('checkout_conflict');
    expect(res.body.details).toMatchObject({
      issueId: issue.id,
      status: 'in_progress',
      assigneeAgentId: agent.id,
      checkoutRunId: runId,
      executionRunId: runId,
      holderRunStatus: 'running',
    });
    await expectUntouched(issue.id, before);
  });

  it('held by another live run of the same agent → 409 checkout_conflict', async () => {
    const { company, agent, runId } = await world(t);
    const secondRun = await seedRun(t, agent, 'running');
    const issue = await createIssue(t, company.id);
    await checkout(t, issue.id, agent, runId);
    const res = await post(issue.id, asAgent(agent, secondRun), { agentId: agent.id, expectedStatuses: ['todo', 'in_progress'] });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('checkout_conflict');
    expect(res.body.details).toMatchObject({ checkoutRunId: runId, holderRunStatus: 'running' });
  });

  it('status not in expectedStatuses → 409 checkout_conflict', async () => {
    const { company, agent, runId } = await world(t);
    const issue = await createIssue(t, company.id, { status: 'backlog' });
    const before = await issueRow(t, issue.id);
    const res = await post(issue.id, asAgent(agent, runId), { agentId: agent.id, expectedStatuses: ['todo'] });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('checkout_conflict');
    expect(res.body.details).toMatchObject({ issueId: issue.id, status: 'backlog', checkoutRunId: null, executionRunId: null });
    await expectUntouched(issue.id, before);
  });

  it('an issue assigned to another agent (todo) → 409 checkout_conflict', async () => {
    const { company, agent, runId } = await world(t);
    const other = await createAgent(t, company.id);
    const issue = await createIssue(t, company.id, { assigneeAgentId: other.id });
    const res = await post(issue.id, asAgent(agent, runId), { agentId: agent.id, expectedStatuses: ['todo'] });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('checkout_conflict');
    expect((await issueRow(t, issue.id)).assignee_agent_id).toBe(other.id);
  });

  it('an issue assigned to a human user cannot be taken by an agent → 409 checkout_conflict (no silent steal)', async () => {
    const { company, agent, runId } = await world(t);
    const human = await createBoardUser(t, company.id, 'operator');
    const issue = await createIssue(t, company.id, { assigneeUserId: human.userId });
    const before = await issueRow(t, issue.id);
    const res = await post(issue.id, asAgent(agent, runId), { agentId: agent.id, expectedStatuses: ['todo'] });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('checkout_conflict');
    await expectUntouched(issue.id, before);
    expect(before.assignee_user_id).toBe(human.userId);
  });

  it('unresolved blockers → 422 blocked_by_unresolved, nothing taken', async () => {
    const { company, agent, runId } = await world(t);
    const blocker = await createIssue(t, company.id, { title: 'first' });
    const issue = await createIssue(t, company.id, { blockedByIssueIds: [blocker.id] });
    const before = await issueRow(t, issue.id);
    const res = await post(issue.id, asAgent(agent, runId), { agentId: agent.id, expectedStatuses: ['todo'] });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('blocked_by_unresolved');
    expect(res.body.details.unresolvedBlockerIssueIds).toEqual([blocker.id]);
    await expectUntouched(issue.id, before);
    expect(await auditRows(t, issue.id, 'issue.checked_out')).toHaveLength(0);
  });

  describe('run ids (ownership.md §8)', () => {
    it('a queued run → 409 run_not_live', async () => {
      const { company, agent } = await world(t);
      const queued = await seedRun(t, agent, 'queued');
      const issue = await createIssue(t, company.id);
      const before = await issueRow(t, issue.id);
      const res = await post(issue.id, asAgent(agent, queued), { agentId: agent.id, expectedStatuses: ['todo'] });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('run_not_live');
      await expectUntouched(issue.id, before);
    });

    it.each(['succeeded', 'failed', 'cancelled', 'timed_out'] as const)('a %s run → 409 run_not_live', async (status) => {
      const { company, agent } = await world(t);
      const dead = await seedRun(t, agent, status);
      const issue = await createIssue(t, company.id);
      const before = await issueRow(t, issue.id);
      const res = await post(issue.id, asAgent(agent, dead), { agentId: agent.id, expectedStatuses: ['todo'] });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('run_not_live');
      await expectUntouched(issue.id, before);
    });

    it('a run of another agent → 403 run_not_owned', async () => {
      const { company, agent } = await world(t);
      const other = await createAgent(t, company.id);
      const othersRun = await seedRun(t, other, 'running');
      const issue = await createIssue(t, company.id);
      const before = await issueRow(t, issue.id);
      const res = await post(issue.id, asAgent(agent, othersRun), { agentId: agent.id, expectedStatuses: ['todo'] });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('run_not_owned');
      await expectUntouched(issue.id, before);
    });

    it('an unknown run id → 403 run_not_owned', async () => {
      const { company, agent } = await world(t);
      const issue = await createIssue(t, company.id);
      const res = await post(issue.id, asAgent(agent, '00000000-0000-4000-8000-000000000000'), { agentId: agent.id, expectedStatuses: ['todo'] });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('run_not_owned');
      expect(lockColumns(await issueRow(t, issue.id))).toEqual(NO_LOCK_COLUMNS);
    });

    it('no run id (agent key only) → 401 run_id_required', async () => {
      const { company, agent } = await world(t);
      const issue = await createIssue(t, company.id);
      const before = await issueRow(t, issue.id);
      const res = await post(issue.id, asAgent(agent), { agentId: agent.id, expectedStatuses: ['todo'] });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('run_id_required');
      await expectUntouched(issue.id, before);
    });

    it('a run JWT alone carries the run id', async () => {
      const { company, agent, runId } = await world(t);
      const issue = await createIssue(t, company.id);
      const token = await mintRunJwt(t, { agentId: agent.id, companyId: company.id, runId });
      const res = await post(issue.id, bearer(token), { agentId: agent.id, expectedStatuses: ['todo'] });
      expect(res.status).toBe(200);
      expect(res.body.checkoutRunId).toBe(runId);
    });

    it('header and JWT claim naming different runs → 422 run_id_mismatch', async () => {
      const { company, agent, runId } = await world(t);
      const otherRun = await seedRun(t, agent, 'running');
      const issue = await createIssue(t, company.id);
      const token = await mintRunJwt(t, { agentId: agent.id, companyId: company.id, runId });
      const res = await post(issue.id, { ...bearer(token), 'X-Paperclip-Run-Id': otherRun }, { agentId: agent.id, expectedStatuses: ['todo'] });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('run_id_mismatch');
      expect(lockColumns(await issueRow(t, issue.id))).toEqual(NO_LOCK_COLUMNS);
    });

    it('header and JWT claim naming the same run are accepted', async () => {
      const { company, agent, runId } = await world(t);
      const issue = await createIssue(t, company.id);
      const token = await mintRunJwt(t, { agentId: agent.id, companyId: company.id, runId });
      const res = await post(issue.id, { ...bearer(token), 'X-Paperclip-Run-Id': runId }, { agentId: agent.id, expectedStatuses: ['todo'] });
      expect(res.status).toBe(200);
    });
  });

  describe('validation and scope', () => {
    it('an unknown body field, a missing expectedStatuses or an unknown status → 400', async () => {
      const { company, agent, runId } = await world(t);
      const issue = await createIssue(t, company.id);
      for (const body of [
        { agentId: agent.id, expectedStatuses: ['todo'], force: true },
        { agentId: agent.id },
        { agentId: agent.id, expectedStatuses: [] },
        { agentId: agent.id, expectedStatuses: ['doing'] },
        { agentId: 'not-a-uuid', expectedStatuses: ['todo'] },
      ]) {
        const res = await post(issue.id, asAgent(agent, runId), body);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('validation_failed');
      }
    });

    it("an agent of another company → 403 company_access_denied", async () => {
      const { company } = await world(t);
      const elsewhere = await createCompany(t);
      const stranger = await createAgent(t, elsewhere.id);
      const strangerRun = await seedRun(t, stranger, 'running');
      const issue = await createIssue(t, company.id);
      const res = await post(issue.id, asAgent(stranger, strangerRun), { agentId: stranger.id, expectedStatuses: ['todo'] });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('company_access_denied');
    });

    it('the assignee run of a crashed checkout re-takes the issue by checkout: adopt with the previous run recorded', async () => {
      const { company, agent, runId } = await world(t);
      const failed = await seedRun(t, agent, 'failed');
      const issue = await seedIssueLockedBy(t, company, agent, failed);
      const res = await post(issue.id, asAgent(agent, runId), { agentId: agent.id, expectedStatuses: ['todo'] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ checkoutRunId: runId, executionRunId: runId, status: 'in_progress' });
      const adopted = await auditRows(t, issue.id, 'issue.checkout_lock_adopted');
      expect(adopted).toHaveLength(1);
      expect(adopted[0].details).toMatchObject({ previousCheckoutRunId: failed, reason: 'stale_checkout_run' });
    });
  });
});
