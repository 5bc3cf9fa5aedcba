import { randomUUID } from 'node:crypto';
import { bearer, createAgent, createCompany } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';
import { createIssue, issueRow } from '../issues/issue-helpers';
import { liveRun } from '../runs/run-helpers';
import { COMMENT_FIELDS, expectFieldsLike, ISSUE_FIELDS, reference } from './paperclip-reference';

/** One heartbeat of the Paperclip agent skill, step by step, as an unchanged agent performs it. */
describe('Paperclip agent skill: one heartbeat', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('identity → inbox → checkout → context → comments → PATCH → subtask → release', async () => {
    const company = await createCompany(t);
    const manager = await createAgent(t, company.id, { role: 'cto' });
    const agent = await createAgent(t, company.id, { role: 'engineer', reportsTo: manager.id });
    const epic = await createIssue(t, company.id, { title: 'Parent epic' });
    const issue = await createIssue(t, company.id, { title: 'Review me', parentId: epic.id, assigneeAgentId: agent.id, status: 'in_review' });
    const earlier = await t.http().post(`/api/issues/${issue.id}/comments`).set(bearer(t.adminKey)).send({ body: 'Please check the tests' }).expect(201);
    const { runId, token } = await liveRun(t, agent, { invocationSource: 'assignment', issueId: issue.id });
    const as = { Authorization: `Bearer ${token}`, 'X-Paperclip-Run-Id': runId };

    const me = await t.http().get('/api/agents/me').set(as).expect(200);
    expect(me.body).toMatchObject({ id: agent.id, companyId: company.id, chainOfCommand: [{ id: manager.id, name: manager.name, role: 'cto' }] });

    const inbox = await t.http().get('/api/agents/me/inbox-lite').set(as).expect(200);
    expect(inbox.body.map((i: { id: string }) => i.id)).toEqual([issue.id]);
    expect(inbox.body[0]).toMatchObject({ status: 'in_review', activeRun: { id: runId, status: 'running', agentId: agent.id, invocationSource: 'assignment' } });

    const checkout = await t.http().post(`/api/issues/${issue.id}/checkout`).set(as)
      .send({ agentId: agent.id, expectedStatuses: ['todo', 'backlog', 'blocked', 'in_review'] }).expect(200);
    expect(checkout.body).toMatchObject({ status: 'in_progress', checkoutRunId: runId, executionRunId: runId });

    const context = await t.http().get(`/api/issues/${issue.id}/heartbeat-context`).set(as).expect(200);
    expect(context.body).toMatchObject({
      issue: { id: issue.id, status: 'in_progress', parentId: epic.id, blockedBy: [], blocks: [] },
      ancestors: [{ id: epic.id, identifier: epic.identifier, title: 'Parent epic' }],
      commentCursor: { totalComments: 1, latestCommentId: earlier.body.id },
      wakeComment: null,
      run: { id: runId, status: 'running', issueId: issue.id },
    });

    const mine = await t.http().post(`/api/issues/${issue.id}/comments`).set(as).send({ body: `Looking at it, [@${manager.name}](agent://${manager.id})` }).expect(201);
    const after = await t.http().get(`/api/issues/${issue.id}/comments?after=${earlier.body.id}&order=asc`).set(as).expect(200);
    expect(after.body.map((c: { id: string }) => c.id)).toEqual([mine.body.id]);
    expectFieldsLike(after.body[0], reference('comments-after-asc')[0], COMMENT_FIELDS);

    // The skill treats an empty or field-less PATCH reply as a failed write.
    const patch = await t.http().patch(`/api/issues/${issue.id}`).set(as).send({ status: 'in_review', comment: 'Tests pass; ready for review' }).expect(200);
    expectFieldsLike(patch.body, reference('patch-with-comment'), [...ISSUE_FIELDS, 'changes', 'comment']);
    expect(patch.body).toMatchObject({ status: 'in_review', changes: { status: { from: 'in_progress', to: 'in_review' } }, comment: { body: 'Tests pass; ready for review', createdByRunId: runId } });

    const subtask = await t.http().post(`/api/companies/${company.id}/issues`).set(as)
      .send({ parentId: issue.id, title: 'Follow-up', status: 'backlog', workMode: 'standard', priority: 'medium', requestDepth: 1, allowDuplicate: false })
      .expect(201);
    expect(subtask.body).toMatchObject({ parentId: issue.id, createdByAgentId: agent.id, requestDepth: 1, workMode: 'standard' });

    const released = await t.http().post(`/api/issues/${issue.id}/release`).set(as).send({}).expect(200);
    expect(released.body).toMatchObject({ status: 'in_review', checkoutRunId: null, executionRunId: null });
    expect((await issueRow(t, issue.id)).checkout_run_id).toBeNull();
  });

  it('PATCH with Prefer: return=minimal answers only what changed, and says so', async () => {
    const company = await createCompany(t);
    const issue = await createIssue(t, company.id, { title: 'Minimal' });
    const res = await t.http().patch(`/api/issues/${issue.id}`).set(bearer(t.adminKey)).set('Prefer', 'return=minimal')
      .send({ description: 'now with a description', billingCode: 'ENG-7' }).expect(200);
    expect(res.headers['preference-applied']).toBe('return=minimal');
    expect(Object.keys(res.body).sort()).toEqual(Object.keys(reference('patch-return-minimal')).sort());
    expect(res.body).toEqual({
      id: issue.id,
      identifier: issue.identifier,
      updatedAt: expect.any(String),
      changes: { description: { from: null, to: 'now with a description' }, billingCode: { from: null, to: 'ENG-7' } },
      comment: null,
    });
    const full = await t.http().patch(`/api/issues/${issue.id}`).set(bearer(t.adminKey)).send({ billingCode: 'ENG-7' }).expect(200);
    expect(full.headers['preference-applied']).toBeUndefined();
    expect(full.body).toMatchObject({ id: issue.id, billingCode: 'ENG-7', changes: {}, comment: null });
  });

  it('wakeup queues a run for payload.issueId; a retried idempotencyKey returns the same run', async () => {
    const company = await createCompany(t);
    const agent = await createAgent(t, company.id);
    const issue = await createIssue(t, company.id, { assigneeAgentId: agent.id });
    const body = { source: 'on_demand', triggerDetail: 'manual', reason: 'reference capture', payload: { issueId: issue.id }, idempotencyKey: `w-${randomUUID()}` };
    const first = await t.http().post(`/api/agents/${agent.id}/wakeup`).set(bearer(t.adminKey)).send(body).expect(202);
    expect(first.body).toMatchObject({ agentId: agent.id, status: 'queued', invocationSource: 'on_demand', triggerDetail: 'manual', issueId: issue.id });
    const again = await t.http().post(`/api/agents/${agent.id}/wakeup`).set(bearer(t.adminKey)).send(body).expect(202);
    expect(again.body.id).toBe(first.body.id);
    const active = await t.http().get(`/api/issues/${issue.id}/active-run`).set(bearer(agent.key)).expect(200);
    expect(active.body).toMatchObject({ id: first.body.id, status: 'queued', agentName: agent.name, adapterType: 'process' });
    const live = await t.http().get(`/api/companies/${company.id}/live-runs`).set(bearer(agent.key)).expect(200);
    expect(live.body.map((r: { id: string }) => r.id)).toEqual([first.body.id]);
    await t.http().post(`/api/heartbeat-runs/${first.body.id}/cancel`).set(bearer(t.adminKey)).expect(200);
    const none = await t.http().get(`/api/issues/${issue.id}/active-run`).set(bearer(agent.key)).expect(200);
    expect(none.text).toBe('null');
    expect((await t.http().get(`/api/issues/${issue.id}/live-runs`).set(bearer(agent.key)).expect(200)).body).toEqual([]);
  });
});
