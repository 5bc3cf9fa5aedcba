import { bearer, createAgent, createCompany } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { asAgent, auditRows, createIssue, world } from './issue-helpers';

/** Blocker relations on create and PATCH (api.md §5, ownership.md §2). */
describe('issue blockers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const patch = (id: string, body: Record<string, unknown>) => t.http().patch(`/api/issues/${id}`).set(bearer(t.adminKey)).send(body);
  const relations = async (issueId: string) => (await t.http().get(`/api/issues/${issueId}`).set(bearer(t.adminKey)).expect(200)).body;
  const relationCount = async (companyId: string) =>
    (await t.db.query('SELECT count(*)::int AS n FROM issue_relations WHERE company_id = $1', [companyId])).rows[0].n;

  it('set on create; audited as issue.blockers_updated', async () => {
    const company = await createCompany(t);
    const a = await createIssue(t, company.id, { title: 'A' });
    const b = await createIssue(t, company.id, { title: 'B' });
    const c = await createIssue(t, company.id, { title: 'C', blockedByIssueIds: [a.id, b.id, a.id] });
    expect((await relations(c.id)).blockedByIssueIds.sort()).toEqual([a.id, b.id].sort());
    expect((await relations(a.id)).blocksIssueIds).toEqual([c.id]);
    const audit = await auditRows(t, c.id, 'issue.blockers_updated');
    expect(audit).toHaveLength(1);
    expect((audit[0].details.blockedByIssueIds as string[]).sort()).toEqual([a.id, b.id].sort());
  });

  it('PATCH replaces the set (adds and removes) and audits it; an unchanged set writes no audit row', async () => {
    const company = await createCompany(t);
    const a = await createIssue(t, company.id, { title: 'A' });
    const b = await createIssue(t, company.id, { title: 'B' });
    const c = await createIssue(t, company.id, { title: 'C', blockedByIssueIds: [a.id] });

    const res = await patch(c.id, { blockedByIssueIds: [b.id] });
    expect(res.status).toBe(200);
    expect((await relations(c.id)).blockedByIssueIds).toEqual([b.id]);
    expect((await relations(a.id)).blocksIssueIds).toEqual([]);
    const audit = await auditRows(t, c.id, 'issue.blockers_updated');
    expect(audit).toHaveLength(2);
    expect(audit[1].details).toMatchObject({ blockedByIssueIds: [b.id] });

    await patch(c.id, { blockedByIssueIds: [b.id] }).expect(200);
    expect(await auditRows(t, c.id, 'issue.blockers_updated')).toHaveLength(2);

    await patch(c.id, { blockedByIssueIds: [] }).expect(200);
    expect((await relations(c.id)).blockedByIssueIds).toEqual([]);
    expect(await auditRows(t, c.id, 'issue.blockers_updated')).toHaveLength(3);
  });

  it('an issue cannot block itself → 422 blocker_cycle', async () => {
    const company = await createCompany(t);
    const a = await createIssue(t, company.id);
    const res = await patch(a.id, { blockedByIssueIds: [a.id] });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('blocker_cycle');
    expect(await relationCount(company.id)).toBe(0);
  });

  it('a direct cycle → 422 blocker_cycle', async () => {
    const company = await createCompany(t);
    const a = await createIssue(t, company.id, { title: 'A' });
    const b = await createIssue(t, company.id, { title: 'B', blockedByIssueIds: [a.id] });
    const res = await patch(a.id, { blockedByIssueIds: [b.id] });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('blocker_cycle');
    expect((await relations(a.id)).blockedByIssueIds).toEqual([]);
  });

  it('a transitive cycle (A → B → C → A) → 422 blocker_cycle, and nothing of the PATCH lands', async () => {
    const company = await createCompany(t);
    const a = await createIssue(t, company.id, { title: 'A' });
    const b = await createIssue(t, company.id, { title: 'B', blockedByIssueIds: [a.id] });
    const c = await createIssue(t, company.id, { title: 'C', blockedByIssueIds: [b.id] });
    const unrelated = await createIssue(t, company.id, { title: 'D' });
    const res = await patch(a.id, { title: 'A renamed', blockedByIssueIds: [unrelated.id, c.id] });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('blocker_cycle');
    const after = await relations(a.id);
    expect(after.blockedByIssueIds).toEqual([]);
    expect(after.title).toBe('A');
    expect(await relationCount(company.id)).toBe(2);
  });

  it('blockers must be issues of the same company → 422, on create and PATCH', async () => {
    const company = await createCompany(t);
    const elsewhere = await createCompany(t);
    const foreign = await createIssue(t, elsewhere.id);
    const created = await t.http().post(`/api/companies/${company.id}/issues`).set(bearer(t.adminKey)).send({ title: 'x', blockedByIssueIds: [foreign.id] });
    expect(created.status).toBe(422);
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM issues WHERE company_id = $1', [company.id]);
    expect(rows[0].n).toBe(0);

    const mine = await createIssue(t, company.id);
    const patched = await patch(mine.id, { blockedByIssueIds: [foreign.id] });
    expect(patched.status).toBe(422);
    expect(await relationCount(company.id)).toBe(0);

    const missing = await patch(mine.id, { blockedByIssueIds: ['5b0c7e59-7c1a-4a55-9d0e-1d2b3c4d5e6f'] });
    expect(missing.status).toBe(422);
  });

  it('creating straight into in_progress with an unfinished blocker → 422 blocked_by_unresolved', async () => {
    const { company, agent } = await world(t);
    const a = await createIssue(t, company.id, { title: 'A' });
    const res = await t.http().post(`/api/companies/${company.id}/issues`).set(bearer(t.adminKey))
      .send({ title: 'B', status: 'in_progress', assigneeAgentId: agent.id, blockedByIssueIds: [a.id] });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('blocked_by_unresolved');
    expect(res.body.details.unresolvedBlockerIssueIds).toEqual([a.id]);
  });

  it('an agent may set blockers on an issue it may write', async () => {
    const { company, agent } = await world(t);
    const a = await createIssue(t, company.id, { title: 'A' });
    const b = await createIssue(t, company.id, { title: 'B', assigneeAgentId: agent.id });
    const res = await t.http().patch(`/api/issues/${b.id}`).set(asAgent(agent)).send({ blockedByIssueIds: [a.id] });
    expect(res.status).toBe(200);
    expect((await relations(b.id)).blockedByIssueIds).toEqual([a.id]);
    const audit = await auditRows(t, b.id, 'issue.blockers_updated');
    expect(audit[0]).toMatchObject({ actor_type: 'agent', actor_id: agent.id });

    const other = await createAgent(t, company.id);
    const refused = await t.http().patch(`/api/issues/${b.id}`).set(asAgent(other)).send({ blockedByIssueIds: [] });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('not_issue_assignee');
    expect((await relations(b.id)).blockedByIssueIds).toEqual([a.id]);
  });

  it('two concurrent PATCHes that would together form a cycle: at most one lands', async () => {
    const company = await createCompany(t);
    const a = await createIssue(t, company.id, { title: 'A' });
    const b = await createIssue(t, company.id, { title: 'B' });
    const [ab, ba] = await Promise.all([patch(b.id, { blockedByIssueIds: [a.id] }), patch(a.id, { blockedByIssueIds: [b.id] })]);
    const statuses = [ab.status, ba.status].sort();
    expect(statuses).toEqual([200, 422]);
    expect(await relationCount(company.id)).toBe(1);
  });
});
