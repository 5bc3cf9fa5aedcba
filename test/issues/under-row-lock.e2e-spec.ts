import type { Response } from 'supertest';
import { bearer, createAgent, seedIssueLockedBy, seedRun } from '../helpers/factories';
import { holdRowLock, send, waitForWaiters } from '../helpers/row-locks';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { asAgent, auditRows, createIssue, issueRow, world } from './issue-helpers';

/**
 * Deterministic interleavings (ownership.md §4, §6, §11): the test holds the issue row lock in its
 * own transaction, waits until the request is queued behind it (seen in pg_stat_activity, not by
 * sleeping), changes the row or the run, and commits. The request must decide on the row as it is
 * under the lock, never on what it read before.
 */
describe('decisions are taken under the row lock', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('the handler clears a lock that went stale after the pre-clear looked, and the caller adopts it', async () => {
    const { company, agent, runId: oldRun } = await world(t);
    const newRun = await seedRun(t, agent, 'running');
    const issue = await seedIssueLockedBy(t, company, agent, oldRun);

    const client = await holdRowLock(t, 'issues', issue.id);
    let pending!: Promise<Response>;
    try {
      // The pre-clear sees a live holder and clears nothing; the handler then waits for our lock.
      pending = send(t.http().patch(`/api/issues/${issue.id}`).set(asAgent(agent, newRun)).send({ priority: 'high' }));
      await waitForWaiters(t, client);
      await client.query(`UPDATE heartbeat_runs SET status = 'failed', finished_at = now() WHERE id = $1`, [oldRun]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ priority: 'high', checkoutRunId: newRun, executionRunId: newRun });

    const cleared = await auditRows(t, issue.id, 'issue.stale_lock_cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0].details).toMatchObject({ clearedCheckoutRunId: oldRun, clearedExecutionRunId: oldRun });
    const adopted = await auditRows(t, issue.id, 'issue.checkout_lock_adopted');
    expect(adopted).toHaveLength(1);
    expect(adopted[0].details).toMatchObject({ previousCheckoutRunId: oldRun, reason: 'stale_checkout_run' });
  });

  it('a checkout queued behind a concurrent take answers 409 checkout_conflict and overwrites nothing', async () => {
    const { company, agent: first, runId: firstRun } = await world(t);
    const second = await createAgent(t, company.id);
    const secondRun = await seedRun(t, second, 'running');
    const issue = await createIssue(t, company.id, { status: 'todo' });

    const client = await holdRowLock(t, 'issues', issue.id);
    let pending!: Promise<Response>;
    try {
      pending = send(t.http().post(`/api/issues/${issue.id}/checkout`).set(asAgent(second, secondRun)).send({ agentId: second.id, expectedStatuses: ['todo'] }));
      await waitForWaiters(t, client);
      await client.query(
        `UPDATE issues SET status = 'in_progress', assignee_agent_id = $2, checkout_run_id = $3, execution_run_id = $3,
                execution_agent_name_key = $4, execution_locked_at = now(), started_at = now() WHERE id = $1`,
        [issue.id, first.id, firstRun, first.name.toLowerCase()],
      );
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const res = await pending;
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('checkout_conflict');
    expect(res.body.details).toMatchObject({ assigneeAgentId: first.id, checkoutRunId: firstRun, holderRunStatus: 'running' });
    expect(await issueRow(t, issue.id)).toMatchObject({ assignee_agent_id: first.id, checkout_run_id: firstRun, execution_run_id: firstRun });
  });

  it('a checkout queued behind a take by a run that started meanwhile sees that run as live: 409, nothing cleared', async () => {
    const { company, agent: first } = await world(t);
    const second = await createAgent(t, company.id);
    const secondRun = await seedRun(t, second, 'running');
    const issue = await createIssue(t, company.id, { status: 'todo' });

    const client = await holdRowLock(t, 'issues', issue.id);
    let pending!: Promise<Response>;
    let newRun: string;
    try {
      pending = send(t.http().post(`/api/issues/${issue.id}/checkout`).set(asAgent(second, secondRun)).send({ agentId: second.id, expectedStatuses: ['todo'] }));
      await waitForWaiters(t, client);
      // The run is younger than the waiting statement: only a statement started after the row lock sees it.
      newRun = (
        await client.query(
          `INSERT INTO heartbeat_runs (company_id, agent_id, status, invocation_source, started_at, last_heartbeat_at)
           VALUES ($1, $2, 'running', 'on_demand', now(), now()) RETURNING id`,
          [company.id, first.id],
        )
      ).rows[0].id;
      await client.query(
        `UPDATE issues SET status = 'in_progress', assignee_agent_id = $2, checkout_run_id = $3, execution_run_id = $3,
                execution_agent_name_key = $4, execution_locked_at = now(), started_at = now() WHERE id = $1`,
        [issue.id, first.id, newRun, first.name.toLowerCase()],
      );
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const res = await pending;
    expect(res.status).toBe(409);
    expect(res.body.details).toMatchObject({ checkoutRunId: newRun, holderRunStatus: 'running' });
    expect(await issueRow(t, issue.id)).toMatchObject({ assignee_agent_id: first.id, checkout_run_id: newRun });
    expect(await auditRows(t, issue.id, 'issue.stale_lock_cleared')).toHaveLength(0);
  });

  it('a PATCH queued behind a concurrent take is gated on the new row: 409 checked_out_by_other_agent', async () => {
    const { company, agent: holder, runId: holderRun } = await world(t);
    const writer = await createAgent(t, company.id);
    const writerRun = await seedRun(t, writer, 'running');
    const issue = await createIssue(t, company.id, { status: 'todo' });

    const client = await holdRowLock(t, 'issues', issue.id);
    let pending!: Promise<Response>;
    try {
      // Unassigned when the request arrives: the gate would let it through on that row.
      pending = send(t.http().patch(`/api/issues/${issue.id}`).set(asAgent(writer, writerRun)).send({ title: 'overwritten' }));
      await waitForWaiters(t, client);
      await client.query(
        `UPDATE issues SET status = 'in_progress', assignee_agent_id = $2, checkout_run_id = $3, execution_run_id = $3,
                execution_agent_name_key = $4, execution_locked_at = now(), started_at = now() WHERE id = $1`,
        [issue.id, holder.id, holderRun, holder.name.toLowerCase()],
      );
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const res = await pending;
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('checked_out_by_other_agent');
    expect((await issueRow(t, issue.id)).title).toBe('An issue');
  });

  it('a release queued behind a reassignment is refused (409 not_issue_assignee) and leaves the new owner in place', async () => {
    const { company, agent, runId } = await world(t);
    const successor = await createAgent(t, company.id);
    const successorRun = await seedRun(t, successor, 'running');
    const issue = await seedIssueLockedBy(t, company, agent, runId);

    const client = await holdRowLock(t, 'issues', issue.id);
    let pending!: Promise<Response>;
    try {
      pending = send(t.http().post(`/api/issues/${issue.id}/release`).set(asAgent(agent, runId)).send());
      await waitForWaiters(t, client);
      await client.query(
        `UPDATE issues SET assignee_agent_id = $2, checkout_run_id = $3, execution_run_id = $3, execution_agent_name_key = $4 WHERE id = $1`,
        [issue.id, successor.id, successorRun, successor.name.toLowerCase()],
      );
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const res = await pending;
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('not_issue_assignee');
    expect(await issueRow(t, issue.id)).toMatchObject({ status: 'in_progress', assignee_agent_id: successor.id, checkout_run_id: successorRun });
  });

  it('a write whose run finished while it waited is fenced: 409 run_not_live, nothing lands', async () => {
    const { company, agent, runId } = await world(t);
    const issue = await createIssue(t, company.id, { status: 'todo', assigneeAgentId: agent.id });
    const client = await holdRowLock(t, 'issues', issue.id);
    let pending!: Promise<Response>;
    try {
      pending = send(t.http().patch(`/api/issues/${issue.id}`).set(asAgent(agent, runId)).send({ status: 'in_progress' }));
      await waitForWaiters(t, client);
      await client.query(`UPDATE heartbeat_runs SET status = 'succeeded', finished_at = now() WHERE id = $1`, [runId]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const res = await pending;
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('run_not_live');
    expect(await issueRow(t, issue.id)).toMatchObject({ status: 'todo', checkout_run_id: null });
  });

  describe('with a short lock timeout', () => {
    let fast: TestApp;
    beforeAll(async () => {
      fast = await startTestApp({ lockTimeoutMs: 200 });
    });
    afterAll(() => fast.close());

    it('a request that cannot get the row lock in time answers 409 issue_busy (not a hang, not a 500)', async () => {
      const { company, agent, runId } = await world(fast);
      const issue = await createIssue(fast, company.id, { status: 'todo' });
      const client = await fast.db.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT 1 FROM issues WHERE id = $1 FOR UPDATE', [issue.id]);
        const res = await fast.http().post(`/api/issues/${issue.id}/checkout`).set(asAgent(agent, runId)).send({ agentId: agent.id, expectedStatuses: ['todo'] });
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('issue_busy');
        const patch = await fast.http().patch(`/api/issues/${issue.id}`).set(bearer(fast.adminKey)).send({ title: 'x' });
        expect(patch.status).toBe(409);
        expect(patch.body.code).toBe('issue_busy');
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
      expect((await issueRow(fast, issue.id)).status).toBe('todo');
    });
  });
});
