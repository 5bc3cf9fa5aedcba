import { bearer, createAgent, createBoardUser, seedIssue, seedRun } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { asAgent, auditRows, checkout, createIssue, issueRow, IssueStatus, lockColumns, NO_LOCK_COLUMNS, world } from './issue-helpers';

/** ownership.md §2: the invariants enforced on every write, and the agent transition table. */
describe('issue invariants and status transitions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const patch = (id: string, headers: Record<string, string>, body: Record<string, unknown>) => t.http().patch(`/api/issues/${id}`).set(headers).send(body);

  describe('invariants', () => {
    it('at most one assignee: agent and user together → 422 single_assignee (create and PATCH)', async () => {
      const { company, agent } = await world(t);
      const user = await createBoardUser(t, company.id, 'operator');
      const created = await t.http().post(`/api/companies/${company.id}/issues`).set(bearer(t.adminKey))
        .send({ title: 'Two owners', assigneeAgentId: agent.id, assigneeUserId: user.userId });
      expect(created.status).toBe(422);
      expect(created.body.code).toBe('single_assignee');

      const issue = await createIssue(t, company.id, { assigneeAgentId: agent.id });
      const res = await patch(issue.id, bearer(t.adminKey), { assigneeUserId: user.userId });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('single_assignee');
      const row = await issueRow(t, issue.id);
      expect(row.assignee_agent_id).toBe(agent.id);
      expect(row.assignee_user_id).toBeNull();
    });

    it('in_progress requires an agent assignee → 422 in_progress_requires_assignee', async () => {
      const { company } = await world(t);
      const issue = await createIssue(t, company.id, { status: 'todo' });
      const res = await patch(issue.id, bearer(t.adminKey), { status: 'in_progress' });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('in_progress_requires_assignee');
      expect((await issueRow(t, issue.id)).status).toBe('todo');

      const created = await t.http().post(`/api/companies/${company.id}/issues`).set(bearer(t.adminKey)).send({ title: 'x', status: 'in_progress' });
      expect(created.status).toBe(422);
      expect(created.body.code).toBe('in_progress_requires_assignee');
    });

    it('a human assignee is not enough for in_progress → 422 in_progress_requires_assignee', async () => {
      const { company } = await world(t);
      const user = await createBoardUser(t, company.id, 'operator');
      const issue = await createIssue(t, company.id, { status: 'todo', assigneeUserId: user.userId });
      const res = await patch(issue.id, bearer(t.adminKey), { status: 'in_progress' });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('in_progress_requires_assignee');
    });

    it('moving to in_progress while a blocker is not done → 422 blocked_by_unresolved with details.unresolvedBlockerIssueIds', async () => {
      const { company, agent } = await world(t);
      const blockerA = await createIssue(t, company.id, { title: 'A' });
      const blockerB = await createIssue(t, company.id, { title: 'B', status: 'done' });
      const issue = await createIssue(t, company.id, { title: 'C', assigneeAgentId: agent.id, blockedByIssueIds: [blockerA.id, blockerB.id] });

      const res = await patch(issue.id, bearer(t.adminKey), { status: 'in_progress' });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('blocked_by_unresolved');
      expect(res.body.details.unresolvedBlockerIssueIds).toEqual([blockerA.id]);
      expect((await issueRow(t, issue.id)).status).toBe('todo');

      await patch(blockerA.id, bearer(t.adminKey), { status: 'done' }).expect(200);
      const ok = await patch(issue.id, bearer(t.adminKey), { status: 'in_progress' });
      expect(ok.status).toBe(200);
      expect(ok.body.status).toBe('in_progress');
    });

    it('any status other than in_progress clears all four lock columns (agent moves its issue to in_review)', async () => {
      const { company, agent, runId } = await world(t);
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const res = await patch(issue.id, asAgent(agent, runId), { status: 'in_review' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'in_review', assigneeAgentId: agent.id, checkoutRunId: null, executionRunId: null, executionAgentNameKey: null, executionLockedAt: null });
      expect(lockColumns(await issueRow(t, issue.id))).toEqual(NO_LOCK_COLUMNS);
    });

    it.each(['todo', 'blocked', 'done', 'cancelled', 'backlog', 'in_review'] as IssueStatus[])(
      'a board user moving a checked-out issue to %s clears all four lock columns',
      async (status) => {
        const { company, agent, runId } = await world(t);
        const issue = await createIssue(t, company.id);
        await checkout(t, issue.id, agent, runId);
        const res = await patch(issue.id, bearer(t.adminKey), { status });
        expect(res.status).toBe(200);
        const row = await issueRow(t, issue.id);
        expect(row.status).toBe(status);
        expect(lockColumns(row)).toEqual(NO_LOCK_COLUMNS);
      },
    );

    it('changing the assignee clears all four lock columns (status stays in_progress)', async () => {
      const { company, agent, runId } = await world(t);
      const other = await createAgent(t, company.id);
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const res = await patch(issue.id, bearer(t.adminKey), { assigneeAgentId: other.id });
      expect(res.status).toBe(200);
      const row = await issueRow(t, issue.id);
      expect(row).toMatchObject({ status: 'in_progress', assignee_agent_id: other.id });
      expect(lockColumns(row)).toEqual(NO_LOCK_COLUMNS);
    });

    it('a PATCH that changes neither status nor assignee keeps the locks', async () => {
      const { company, agent, runId } = await world(t);
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const res = await patch(issue.id, asAgent(agent, runId), { priority: 'critical', title: 'Renamed' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ priority: 'critical', title: 'Renamed', checkoutRunId: runId, executionRunId: runId });
    });

    it('started_at, completed_at, cancelled_at are set on entering and nulled on leaving their status', async () => {
      const { company, agent } = await world(t);
      const issue = await createIssue(t, company.id, { assigneeAgentId: agent.id });
      expect(issue).toMatchObject({ startedAt: null, completedAt: null, cancelledAt: null });

      const started = await patch(issue.id, bearer(t.adminKey), { status: 'in_progress' }).expect(200);
      expect(started.body.startedAt).not.toBeNull();

      const done = await patch(issue.id, bearer(t.adminKey), { status: 'done' }).expect(200);
      expect(done.body.completedAt).not.toBeNull();
      expect(done.body.startedAt).toBeNull();

      const reopened = await patch(issue.id, bearer(t.adminKey), { status: 'todo' }).expect(200);
      expect(reopened.body.completedAt).toBeNull();

      const cancelled = await patch(issue.id, bearer(t.adminKey), { status: 'cancelled' }).expect(200);
      expect(cancelled.body.cancelledAt).not.toBeNull();

      const back = await patch(issue.id, bearer(t.adminKey), { status: 'backlog' }).expect(200);
      expect(back.body).toMatchObject({ startedAt: null, completedAt: null, cancelledAt: null });
      const row = await issueRow(t, issue.id);
      expect([row.started_at, row.completed_at, row.cancelled_at]).toEqual([null, null, null]);
    });

    it('creating an issue straight into done or cancelled stamps the matching column', async () => {
      const { company } = await world(t);
      const done = await createIssue(t, company.id, { status: 'done' });
      expect(done.completedAt).not.toBeNull();
      const cancelled = await createIssue(t, company.id, { status: 'cancelled' });
      expect(cancelled.cancelledAt).not.toBeNull();
    });
  });

  describe('agent transition table', () => {
    /** An issue in `from`, assigned to the agent; in_progress ones are checked out by its run. */
    async function issueIn(from: IssueStatus) {
      const w = await world(t);
      const issue = await seedIssue(t, w.company, {
        status: from,
        assigneeAgentId: w.agent.id,
        checkoutRunId: from === 'in_progress' ? w.runId : null,
        executionRunId: from === 'in_progress' ? w.runId : null,
        executionAgentNameKey: w.agent.name.toLowerCase(),
      });
      return { ...w, issue };
    }

    it.each([
      ['backlog', 'todo'],
      ['backlog', 'cancelled'],
      ['todo', 'blocked'],
      ['todo', 'cancelled'],
      ['in_progress', 'todo'],
      ['in_progress', 'in_review'],
      ['in_progress', 'blocked'],
      ['in_progress', 'done'],
      ['in_review', 'done'],
      ['in_review', 'cancelled'],
      ['blocked', 'todo'],
      ['blocked', 'cancelled'],
    ] as [IssueStatus, IssueStatus][])('agent may move %s → %s', async (from, to) => {
      const { agent, runId, issue } = await issueIn(from);
      const res = await patch(issue.id, asAgent(agent, runId), { status: to });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe(to);
      const audit = await auditRows(t, issue.id, 'issue.updated');
      expect(audit).toHaveLength(1);
      expect(audit[0].details).toMatchObject({ status: to, _previous: { status: from } });
    });

    it.each([
      ['todo', 'in_progress'],
      ['in_review', 'in_progress'],
      ['blocked', 'in_progress'],
    ] as [IssueStatus, IssueStatus][])('agent may move its own issue %s → %s, taking the locks for its run', async (from, to) => {
      const { agent, runId, issue } = await issueIn(from);
      const res = await patch(issue.id, asAgent(agent, runId), { status: to });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'in_progress', checkoutRunId: runId, executionRunId: runId, executionAgentNameKey: agent.name.toLowerCase() });
      expect(res.body.executionLockedAt).not.toBeNull();
      expect(res.body.startedAt).not.toBeNull();
    });

    it.each([
      ['backlog', 'in_progress', ['todo', 'cancelled']],
      ['backlog', 'done', ['todo', 'cancelled']],
      ['todo', 'done', ['in_progress', 'blocked', 'cancelled']],
      ['todo', 'in_review', ['in_progress', 'blocked', 'cancelled']],
      ['in_progress', 'backlog', ['todo', 'in_review', 'blocked', 'done', 'cancelled']],
      ['in_review', 'todo', ['in_progress', 'done', 'cancelled']],
      ['blocked', 'done', ['todo', 'in_progress', 'cancelled']],
      ['done', 'todo', []],
      ['done', 'in_progress', []],
      ['cancelled', 'todo', []],
    ] as [IssueStatus, IssueStatus, IssueStatus[]][])('agent may not move %s → %s: 409 illegal_transition', async (from, to, allowed) => {
      const { agent, runId, issue } = await issueIn(from);
      const res = await patch(issue.id, asAgent(agent, runId), { status: to });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('illegal_transition');
      expect(res.body.details.from).toBe(from);
      expect(res.body.details.to).toBe(to);
      expect([...res.body.details.allowed].sort()).toEqual([...allowed].sort());
      expect((await issueRow(t, issue.id)).status).toBe(from);
      expect(await auditRows(t, issue.id, 'issue.updated')).toHaveLength(0);
    });

    it('a board user may make any transition, e.g. done → todo and cancelled → in_review', async () => {
      const { agent, issue } = await issueIn('done');
      const operator = await createBoardUser(t, (await issueRow(t, issue.id)).company_id, 'operator');
      const res = await patch(issue.id, bearer(operator.key), { status: 'todo' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'todo', assigneeAgentId: agent.id, completedAt: null });

      await patch(issue.id, bearer(operator.key), { status: 'cancelled' }).expect(200);
      const again = await patch(issue.id, bearer(operator.key), { status: 'in_review' });
      expect(again.status).toBe(200);
      expect(again.body.status).toBe('in_review');
    });
  });

  describe('PATCH into in_progress', () => {
    it('an agent moving its own issue into in_progress takes both locks for its live run and audits the change', async () => {
      const { company, agent, runId } = await world(t);
      const issue = await createIssue(t, company.id, { status: 'todo' });
      const res = await patch(issue.id, asAgent(agent, runId), { status: 'in_progress', assigneeAgentId: agent.id });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: runId, executionRunId: runId, executionAgentNameKey: agent.name.toLowerCase() });
      const row = await issueRow(t, issue.id);
      expect(row).toMatchObject({ checkout_run_id: runId, execution_run_id: runId });
      expect(row.execution_locked_at).not.toBeNull();
      const audit = await auditRows(t, issue.id, 'issue.updated');
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor_type: 'agent', actor_id: agent.id, run_id: runId });
      expect(audit[0].details).toMatchObject({ status: 'in_progress', assigneeAgentId: agent.id, _previous: { status: 'todo', assigneeAgentId: null } });

      // The run now owns it: another run of the same agent is refused.
      const secondRun = await seedRun(t, agent, 'running');
      const other = await patch(issue.id, asAgent(agent, secondRun), { priority: 'high' });
      expect(other.status).toBe(409);
      expect(other.body.code).toBe('run_ownership_conflict');
    });

    it('an agent moving its issue into in_progress without a run id → 401 run_id_required, nothing changes', async () => {
      const { company, agent } = await world(t);
      const issue = await createIssue(t, company.id, { status: 'todo', assigneeAgentId: agent.id });
      const res = await patch(issue.id, asAgent(agent), { status: 'in_progress' });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('run_id_required');
      expect(await issueRow(t, issue.id)).toMatchObject({ status: 'todo', checkout_run_id: null });
    });

    it('an agent moving its issue into in_progress with a queued run → 409 run_not_live, nothing changes', async () => {
      const { company, agent } = await world(t);
      const queued = await seedRun(t, agent, 'queued');
      const issue = await createIssue(t, company.id, { status: 'todo', assigneeAgentId: agent.id });
      const res = await patch(issue.id, asAgent(agent, queued), { status: 'in_progress' });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('run_not_live');
      expect(await issueRow(t, issue.id)).toMatchObject({ status: 'todo', checkout_run_id: null });
    });

    it('a board user moving an issue into in_progress leaves it unowned; the assignee run then adopts it', async () => {
      const { company, agent, runId } = await world(t);
      const issue = await createIssue(t, company.id, { status: 'todo', assigneeAgentId: agent.id });
      const res = await patch(issue.id, bearer(t.adminKey), { status: 'in_progress' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: null, executionRunId: null, executionAgentNameKey: null, executionLockedAt: null });
      expect(res.body.startedAt).not.toBeNull();

      const adopted = await patch(issue.id, asAgent(agent, runId), { comment: 'mine now' });
      expect(adopted.status).toBe(200);
      expect(adopted.body).toMatchObject({ checkoutRunId: runId, executionRunId: runId });
      const audit = await auditRows(t, issue.id, 'issue.checkout_lock_adopted');
      expect(audit).toHaveLength(1);
      expect(audit[0].details.previousCheckoutRunId).toBeNull();
    });
  });
});
