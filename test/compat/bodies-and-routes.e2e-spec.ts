import { randomUUID } from 'node:crypto';
import { bearer, createAgent, createCompany } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';
import { createIssue, issueRow } from '../issues/issue-helpers';

const problemFields = (res: { body: any }) => (res.body.details?.problems ?? []).map((p: { field: string }) => p.field);

describe('Paperclip bodies and the compatibility routes', () => {
  let t: TestApp;
  const admin = () => bearer(t.adminKey);
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('stores and returns billingCode, requestDepth, workMode, projectId, goalId and hiddenAt', async () => {
    const company = await createCompany(t);
    const [projectId, goalId] = [randomUUID(), randomUUID()];
    const created = await createIssue(t, company.id, { billingCode: 'ENG-7', requestDepth: 3, workMode: 'planning', projectId, goalId });
    expect(created).toMatchObject({ billingCode: 'ENG-7', requestDepth: 3, workMode: 'planning', projectId, goalId, hiddenAt: null });
    const hiddenAt = '2026-12-01T21:49:55.000Z';
    const patched = await t.http().patch(`/api/issues/${created.id}`).set(admin()).send({ hiddenAt, billingCode: null, goalId: null }).expect(200);
    expect(patched.body.changes).toEqual({ billingCode: { from: 'ENG-7', to: null }, goalId: { from: goalId, to: null }, hiddenAt: { from: null, to: hiddenAt } });
    const read = await t.http().get(`/api/issues/${created.id}`).set(admin()).expect(200);
    expect(read.body).toMatchObject({ billingCode: null, requestDepth: 3, workMode: 'planning', projectId, goalId: null, hiddenAt });
    const row = await issueRow(t, created.id);
    expect(row).toMatchObject({ billing_code: null, request_depth: 3, work_mode: 'planning', project_id: projectId });
    // The same instant again is no change.
    expect((await t.http().patch(`/api/issues/${created.id}`).set(admin()).send({ hiddenAt }).expect(200)).body.changes).toEqual({});
  });

  it('accepts and ignores the fields of subsystems Clasp has not got', async () => {
    const company = await createCompany(t);
    const body = {
      title: 'Ignored extras', allowDuplicate: false, executionPolicy: { mode: 'normal' }, inheritExecutionWorkspaceFromIssueId: randomUUID(),
      initialPlan: 'plan', labelIds: [randomUUID()], unblockDescriptor: { kind: 'x' },
    };
    const created = await t.http().post(`/api/companies/${company.id}/issues`).set(admin()).send(body).expect(201);
    expect(created.body).not.toHaveProperty('executionPolicy');
    await t.http().patch(`/api/issues/${created.body.id}`).set(admin()).send({ reopen: true, resume: true, reviewInteractionId: randomUUID(), attachmentIds: [] }).expect(200);
    await t.http().post(`/api/issues/${created.body.id}/comments`).set(admin()).send({ body: 'x', reopen: false, interrupt: false, attachmentIds: [] }).expect(201);
  });

  it.each([['constructor'], ['__proto__'], ['notAField']])('refuses an unknown field %s with 400 naming it', async (field) => {
    const company = await createCompany(t);
    const issue = await createIssue(t, company.id);
    const raw = `{"title":"x","${field}":{"polluted":true}}`;
    for (const [method, path] of [['post', `/api/companies/${company.id}/issues`], ['patch', `/api/issues/${issue.id}`], ['post', `/api/issues/${issue.id}/comments`]] as const) {
      const res = await t.http()[method](path).set(admin()).set('content-type', 'application/json').send(raw);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 400, code: 'validation_failed' });
      expect(problemFields(res)).toContain(field);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses prototype keys nested in an object too', async () => {
    const company = await createCompany(t);
    const agent = await createAgent(t, company.id);
    const res = await t.http().post(`/api/agents/${agent.id}/wakeup`).set(admin()).set('content-type', 'application/json')
      .send('{"payload":{"__proto__":{"issueId":"x"}}}');
    expect({ status: res.status, fields: problemFields(res) }).toEqual({ status: 400, fields: ['payload.__proto__'] });
  });

  it('idempotencyKey in the body acts as the Idempotency-Key header (issues, comments)', async () => {
    const company = await createCompany(t);
    const key = `k-${randomUUID()}`;
    const first = await t.http().post(`/api/companies/${company.id}/issues`).set(admin()).send({ title: 'Once', idempotencyKey: key }).expect(201);
    const again = await t.http().post(`/api/companies/${company.id}/issues`).set(admin()).set('Idempotency-Key', key).send({ title: 'Once' }).expect(201);
    expect(again.body.id).toBe(first.body.id);
    const c1 = await t.http().post(`/api/issues/${first.body.id}/comments`).set(admin()).send({ body: 'one', idempotencyKey: key }).expect(201);
    const c2 = await t.http().post(`/api/issues/${first.body.id}/comments`).set(admin()).send({ body: 'one', idempotencyKey: key }).expect(201);
    expect(c2.body.id).toBe(c1.body.id);
    const clash = await t.http().post(`/api/companies/${company.id}/issues`).set(admin()).set('Idempotency-Key', 'a').send({ title: 'x', idempotencyKey: 'b' });
    expect({ status: clash.status, fields: problemFields(clash) }).toEqual({ status: 400, fields: ['idempotencyKey'] });
  });

  it('the new routes answer 400 for a malformed id, 404 for an unknown one, 403 for another company', async () => {
    const company = await createCompany(t);
    const other = await createCompany(t);
    const outsider = await createAgent(t, other.id);
    const agent = await createAgent(t, company.id);
    const issue = await createIssue(t, company.id);
    const comment = await t.http().post(`/api/issues/${issue.id}/comments`).set(admin()).send({ body: 'hi' }).expect(201);
    const elsewhere = await createIssue(t, other.id);
    const reads = [`/api/issues/{issue}/heartbeat-context`, '/api/issues/{issue}/active-run', '/api/issues/{issue}/live-runs', '/api/companies/{company}/live-runs'];
    for (const template of reads) {
      const path = (issueRef: string, companyRef: string) => template.replace('{issue}', issueRef).replace('{company}', companyRef);
      expect((await t.http().get(path(issue.id, company.id)).set(bearer(agent.key))).status).toBe(200);
      expect((await t.http().get(path('not-an-id!', 'not-an-id')).set(bearer(agent.key))).body.code).toBe('validation_failed');
      expect((await t.http().get(path(randomUUID(), randomUUID())).set(bearer(agent.key))).body.code).toBe('not_found');
      expect((await t.http().get(path(issue.id, company.id)).set(bearer(outsider.key))).body.code).toBe('company_access_denied');
    }
    const one = (issueId: string, commentId: string) => t.http().get(`/api/issues/${issueId}/comments/${commentId}`).set(bearer(agent.key));
    expect((await one(issue.id, comment.body.id)).body).toMatchObject({ id: comment.body.id, body: 'hi', authorType: 'user' });
    expect((await one(issue.id, 'nope')).status).toBe(400);
    expect((await one(issue.id, randomUUID())).status).toBe(404);
    expect((await one(elsewhere.id, comment.body.id)).status).toBe(403);
    const foreign = await t.http().post(`/api/agents/${outsider.id}/wakeup`).set(bearer(agent.key)).send({});
    expect({ status: foreign.status, code: foreign.body.code }).toEqual({ status: 403, code: 'company_access_denied' });
    const badIssue = await t.http().post(`/api/agents/${agent.id}/wakeup`).set(bearer(agent.key)).send({ payload: { issueId: 42 } });
    expect({ status: badIssue.status, fields: problemFields(badIssue) }).toEqual({ status: 400, fields: ['payload.issueId'] });
  });
});
