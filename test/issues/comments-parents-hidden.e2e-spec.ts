import { bearer, seedIssue } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { asAgent, createIssue, world, type World } from './issue-helpers';

describe('comment listing, parents and hidden issues', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await startTestApp();
    w = await world(t);
  });
  afterAll(() => t.close());

  describe('GET /api/issues/:id/comments', () => {
    let issueId: string;
    let posted: string[];
    beforeAll(async () => {
      issueId = (await createIssue(t, w.company.id)).id;
      posted = [];
      for (const body of ['one', 'two', 'three', 'four']) {
        const res = await t.http().post(`/api/issues/${issueId}/comments`).set(asAgent(w.agent)).send({ body }).expect(201);
        posted.push(res.body.id);
      }
    });

    const list = (query: string) => t.http().get(`/api/issues/${issueId}/comments${query}`).set(bearer(w.agent.key));

    it('is newest first by default and oldest first with order=asc', async () => {
      expect((await list('').expect(200)).body.map((c: { body: string }) => c.body)).toEqual(['four', 'three', 'two', 'one']);
      expect((await list('?order=asc').expect(200)).body.map((c: { body: string }) => c.body)).toEqual(['one', 'two', 'three', 'four']);
    });

    it('pages with limit and after (a comment id), in the chosen order', async () => {
      const firstPage = (await list('?order=asc&limit=2').expect(200)).body;
      expect(firstPage.map((c: { body: string }) => c.body)).toEqual(['one', 'two']);
      const nextPage = (await list(`?order=asc&limit=2&after=${firstPage[1].id}`).expect(200)).body;
      expect(nextPage.map((c: { body: string }) => c.body)).toEqual(['three', 'four']);
      const olderThanThree = (await list(`?after=${posted[2]}`).expect(200)).body;
      expect(olderThanThree.map((c: { body: string }) => c.body)).toEqual(['two', 'one']);
    });

    it.each([
      ['?limit=501', 'limit over 500'],
      ['?limit=0', 'limit 0'],
      ['?order=sideways', 'unknown order'],
      ['?after=not-a-uuid', 'malformed cursor'],
    ])('%s → 400 validation_failed (%s)', async (query) => {
      expect((await list(query).expect(400)).body.code).toBe('validation_failed');
    });

    it('a cursor that is not a comment of this issue → 400, not an empty page', async () => {
      const other = (await createIssue(t, w.company.id)).id;
      const foreign = await t.http().post(`/api/issues/${other}/comments`).set(asAgent(w.agent)).send({ body: 'elsewhere' }).expect(201);
      const res = await list(`?after=${foreign.body.id}`).expect(400);
      expect(res.body).toMatchObject({ code: 'validation_failed', details: { problems: [{ field: 'after' }] } });
    });
  });

  describe('parentId', () => {
    it('links a sub-issue and lists it by parent', async () => {
      const parent = await createIssue(t, w.company.id, { title: 'Epic' });
      const child = await createIssue(t, w.company.id, { title: 'Part', parentId: parent.id });
      expect(child.parentId).toBe(parent.id);
      const listed = await t.http().get(`/api/companies/${w.company.id}/issues?parentId=${parent.id}`).set(bearer(w.agent.key)).expect(200);
      expect(listed.body.map((i: { id: string }) => i.id)).toEqual([child.id]);
    });

    it('refuses a parent of another company and a parent cycle with 422 invalid_reference', async () => {
      const elsewhere = await world(t);
      const foreignParent = await createIssue(t, elsewhere.company.id);
      const refused = await t.http().post(`/api/companies/${w.company.id}/issues`).set(bearer(t.adminKey)).send({ title: 'x', parentId: foreignParent.id }).expect(422);
      expect(refused.body.code).toBe('invalid_reference');

      const a = await createIssue(t, w.company.id, { title: 'A' });
      const b = await createIssue(t, w.company.id, { title: 'B', parentId: a.id });
      const cycle = await t.http().patch(`/api/issues/${a.id}`).set(bearer(t.adminKey)).send({ parentId: b.id }).expect(422);
      expect(cycle.body.code).toBe('invalid_reference');
      const self = await t.http().patch(`/api/issues/${a.id}`).set(bearer(t.adminKey)).send({ parentId: a.id }).expect(422);
      expect(self.body.code).toBe('invalid_reference');
    });
  });

  it('hidden issues are left out of lists and inboxes but still readable by id', async () => {
    const hidden = await seedIssue(t, w.company, { title: 'Hidden', status: 'todo', assigneeAgentId: w.agent.id });
    await t.db.query('UPDATE issues SET hidden_at = now() WHERE id = $1', [hidden.id]);
    const listed = await t.http().get(`/api/companies/${w.company.id}/issues?q=Hidden`).set(bearer(t.adminKey)).expect(200);
    expect(listed.body).toEqual([]);
    const inbox = await t.http().get('/api/agents/me/inbox-lite').set(bearer(w.agent.key)).expect(200);
    expect(inbox.body.map((i: { id: string }) => i.id)).not.toContain(hidden.id);
    await t.http().get(`/api/issues/${hidden.id}`).set(bearer(t.adminKey)).expect(200);
  });
});
