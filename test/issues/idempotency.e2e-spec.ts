import { bearer, createBoardUser, createCompany } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { asAgent, auditRows, checkout, createIssue, world } from './issue-helpers';

/** Idempotency-Key on issue creation and on comments: a retried request returns the first result. */
describe('Idempotency-Key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const countIssues = async (companyId: string) => (await t.db.query('SELECT count(*)::int AS n FROM issues WHERE company_id = $1', [companyId])).rows[0].n;
  const countComments = async (issueId: string) => (await t.db.query('SELECT count(*)::int AS n FROM issue_comments WHERE issue_id = $1', [issueId])).rows[0].n;
  const createWithKey = (companyId: string, key: string, headers: Record<string, string> = bearer(t.adminKey), title = 'Retry me') =>
    t.http().post(`/api/companies/${companyId}/issues`).set({ ...headers, 'Idempotency-Key': key }).send({ title });

  describe('on issue creation', () => {
    it('a retried create returns the first issue (same id and number), with no duplicate row or audit row', async () => {
      const company = await createCompany(t);
      const first = await createWithKey(company.id, 'create-1');
      expect(first.status).toBe(201);
      const retry = await createWithKey(company.id, 'create-1');
      expect(retry.status).toBe(201);
      expect(retry.body.id).toBe(first.body.id);
      expect(retry.body.identifier).toBe(first.body.identifier);
      expect(await countIssues(company.id)).toBe(1);
      expect(await auditRows(t, first.body.id, 'issue.created')).toHaveLength(1);
      // The counter was not consumed by the replay: the next issue is number 2.
      expect((await createIssue(t, company.id)).issueNumber).toBe(2);
    });

    it('two concurrent requests with the same key create one issue and both answer with it', async () => {
      const company = await createCompany(t);
      const results = await Promise.all([createWithKey(company.id, 'race-key'), createWithKey(company.id, 'race-key'), createWithKey(company.id, 'race-key')]);
      expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
      expect(await countIssues(company.id)).toBe(1);
      expect(await auditRows(t, results[0].body.id, 'issue.created')).toHaveLength(1);
    });

    it('different keys create different issues; no key never deduplicates', async () => {
      const company = await createCompany(t);
      const a = await createWithKey(company.id, 'key-a');
      const b = await createWithKey(company.id, 'key-b');
      expect(a.body.id).not.toBe(b.body.id);
      await createIssue(t, company.id, { title: 'Retry me' });
      await createIssue(t, company.id, { title: 'Retry me' });
      expect(await countIssues(company.id)).toBe(4);
    });

    it('the same key from two different callers creates two issues', async () => {
      const company = await createCompany(t);
      const operator = await createBoardUser(t, company.id, 'operator');
      const a = await createWithKey(company.id, 'shared-key');
      const b = await createWithKey(company.id, 'shared-key', bearer(operator.key));
      expect(a.status).toBe(201);
      expect(b.status).toBe(201);
      expect(a.body.id).not.toBe(b.body.id);
      expect(await countIssues(company.id)).toBe(2);
    });

    it('a failed create does not burn the key: the corrected retry creates the issue', async () => {
      const company = await createCompany(t);
      const failed = await t.http().post(`/api/companies/${company.id}/issues`).set({ ...bearer(t.adminKey), 'Idempotency-Key': 'fix-and-retry' })
        .send({ title: 'x', status: 'in_progress' });
      expect(failed.status).toBe(422);
      const retry = await createWithKey(company.id, 'fix-and-retry');
      expect(retry.status).toBe(201);
      expect(await countIssues(company.id)).toBe(1);
    });

    it('an invalid key (too long or with spaces) → 400', async () => {
      const company = await createCompany(t);
      for (const key of ['x'.repeat(201), 'has space']) {
        const res = await createWithKey(company.id, key);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('validation_failed');
      }
      expect(await countIssues(company.id)).toBe(0);
    });
  });

  describe('on comments', () => {
    const comment = (issueId: string, headers: Record<string, string>, key: string, body = 'hello') =>
      t.http().post(`/api/issues/${issueId}/comments`).set({ ...headers, 'Idempotency-Key': key }).send({ body });

    it('a retried comment returns the first comment and adds no row', async () => {
      const { company, agent, runId } = await world(t);
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const first = await comment(issue.id, asAgent(agent, runId), 'c-1');
      expect(first.status).toBe(201);
      const retry = await comment(issue.id, asAgent(agent, runId), 'c-1');
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect(await countComments(issue.id)).toBe(1);
      expect(await auditRows(t, issue.id, 'issue.comment_added')).toHaveLength(1);
    });

    it('concurrent comments with the same key add one row and answer with the same comment', async () => {
      const { company, agent, runId } = await world(t);
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const results = await Promise.all([0, 1, 2, 3].map(() => comment(issue.id, asAgent(agent, runId), 'c-race')));
      expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
      expect(await countComments(issue.id)).toBe(1);
      expect(await auditRows(t, issue.id, 'issue.comment_added')).toHaveLength(1);
    });

    it('the same key on two issues makes two comments', async () => {
      const company = await createCompany(t);
      const a = await createIssue(t, company.id);
      const b = await createIssue(t, company.id);
      const ca = await comment(a.id, bearer(t.adminKey), 'same');
      const cb = await comment(b.id, bearer(t.adminKey), 'same');
      expect(ca.status).toBe(201);
      expect(cb.status).toBe(201);
      expect(ca.body.id).not.toBe(cb.body.id);
      expect(cb.body.issueId).toBe(b.id);
    });

    it('a refused comment does not burn the key', async () => {
      const { company, agent, runId } = await world(t);
      const issue = await createIssue(t, company.id);
      await checkout(t, issue.id, agent, runId);
      const refused = await comment(issue.id, asAgent(agent), 'after-refusal');
      expect(refused.status).toBe(401);
      const ok = await comment(issue.id, asAgent(agent, runId), 'after-refusal');
      expect(ok.status).toBe(201);
      expect(await countComments(issue.id)).toBe(1);
    });
  });
});
