import { bearer, createAgent, createCompany, seedRun } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('checkout → comment → patch → release through HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('walks an issue through its life and audits each step', async () => {
    const company = await createCompany(t, 'Paper Clips');
    const agent = await createAgent(t, company.id);
    const runId = await seedRun(t, agent);
    const asAgent = { ...bearer(agent.key), 'X-Paperclip-Run-Id': runId };

    const created = await t.http().post(`/api/companies/${company.id}/issues`).set(bearer(t.adminKey)).send({ title: 'Fix login', status: 'todo' }).expect(201);
    expect(created.body).toMatchObject({ identifier: `${company.issuePrefix}-1`, issueNumber: 1, status: 'todo', checkoutRunId: null });

    const checkedOut = await t.http().post(`/api/issues/${created.body.identifier.toLowerCase()}/checkout`).set(asAgent)
      .send({ agentId: agent.id, expectedStatuses: ['todo'] }).expect(200);
    expect(checkedOut.body).toMatchObject({ status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: runId, executionRunId: runId, executionAgentNameKey: agent.name.toLowerCase() });
    expect(checkedOut.body.startedAt).not.toBeNull();

    const again = await t.http().post(`/api/issues/${created.body.id}/checkout`).set(asAgent).send({ agentId: agent.id, expectedStatuses: ['todo'] }).expect(200);
    expect(again.body.updatedAt).toBe(checkedOut.body.updatedAt);

    const comment = await t.http().post(`/api/issues/${created.body.id}/comments`).set(asAgent).send({ body: 'on it' }).expect(201);
    expect(comment.body).toMatchObject({ authorAgentId: agent.id, createdByRunId: runId, body: 'on it' });

    const patched = await t.http().patch(`/api/issues/${created.body.id}`).set(asAgent).send({ priority: 'high', comment: 'bumped' }).expect(200);
    expect(patched.body).toMatchObject({ priority: 'high', checkoutRunId: runId, comment: { body: 'bumped' } });

    const released = await t.http().post(`/api/issues/${created.body.id}/release`).set(asAgent).expect(200);
    expect(released.body).toMatchObject({ status: 'todo', assigneeAgentId: null, checkoutRunId: null, executionRunId: null, executionAgentNameKey: null, executionLockedAt: null, startedAt: null });

    const activity = await t.http().get(`/api/issues/${created.body.id}/activity`).set(bearer(agent.key)).expect(200);
    expect(activity.body.map((a: { action: string }) => a.action)).toEqual([
      'issue.released', 'issue.comment_added', 'issue.updated', 'issue.comment_added', 'issue.checked_out', 'issue.created',
    ]);
    const inbox = await t.http().get('/api/agents/me/inbox-lite').set(bearer(agent.key)).expect(200);
    expect(inbox.body).toEqual([]);
  });
});
