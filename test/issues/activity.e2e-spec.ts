import { bearer, createAgent, createBoardUser, createCompany, seedRun } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { asAgent, checkout, createIssue, world } from './issue-helpers';

interface Activity {
  id: string;
  companyId: string;
  actorType: string;
  actorId: string;
  action: string;
  entityType: string;
  entityId: string;
  agentId: string | null;
  runId: string | null;
  details: Record<string, unknown>;
  createdAt: string;
}

/** The audit read routes (api.md §5): issue activity and company activity with filters and a cursor. */
describe('activity routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** A company with two agents and a small history on two issues. */
  async function history() {
    const { company, agent, runId } = await world(t);
    const other = await createAgent(t, company.id);
    const otherRun = await seedRun(t, other, 'running');
    const one = await createIssue(t, company.id, { title: 'one' });
    const two = await createIssue(t, company.id, { title: 'two' });
    await checkout(t, one.id, agent, runId);
    await t.http().post(`/api/issues/${one.id}/comments`).set(asAgent(agent, runId)).send({ body: 'note' }).expect(201);
    await t.http().patch(`/api/issues/${one.id}`).set(asAgent(agent, runId)).send({ priority: 'high' }).expect(200);
    await checkout(t, two.id, other, otherRun);
    await t.http().post(`/api/issues/${one.id}/release`).set(asAgent(agent, runId)).expect(200);
    return { company, agent, runId, other, otherRun, one, two };
  }

  const get = (path: string, key = t.adminKey) => t.http().get(path).set(bearer(key));

  it('GET /api/issues/:id/activity lists that issue only, newest first, in the activity row shape', async () => {
    const { agent, runId, one } = await history();
    const res = await get(`/api/issues/${one.id}/activity`);
    expect(res.status).toBe(200);
    const rows = res.body as Activity[];
    expect(rows.map((r) => r.action)).toEqual(['issue.released', 'issue.updated', 'issue.comment_added', 'issue.checked_out', 'issue.created']);
    expect(rows.every((r) => r.entityType === 'issue' && r.entityId === one.id)).toBe(true);
    const times = rows.map((r) => Date.parse(r.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(rows[0]).toEqual({
      id: expect.any(String),
      companyId: one.companyId,
      actorType: 'agent',
      actorId: agent.id,
      action: 'issue.released',
      entityType: 'issue',
      entityId: one.id,
      agentId: agent.id,
      runId,
      details: expect.any(Object),
      createdAt: expect.any(String),
    });
  });

  it('issue activity by identifier, readable by the company agents and viewers', async () => {
    const { company, other, one } = await history();
    const viewer = await createBoardUser(t, company.id, 'viewer');
    const byAgent = await t.http().get(`/api/issues/${one.identifier.toLowerCase()}/activity`).set(asAgent(other));
    expect(byAgent.status).toBe(200);
    expect(byAgent.body).toHaveLength(5);
    const byViewer = await get(`/api/issues/${one.id}/activity`, viewer.key);
    expect(byViewer.status).toBe(200);
    expect(byViewer.body).toEqual(byAgent.body);
  });

  it('company activity: newest first, filtered by action, entityType, entityId and agentId', async () => {
    const { company, agent, other, one, two } = await history();
    const base = `/api/companies/${company.id}/activity`;

    const all = (await get(base).expect(200)).body as Activity[];
    expect(all.every((r) => r.companyId === company.id)).toBe(true);
    const times = all.map((r) => Date.parse(r.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(all.map((r) => r.action)).toEqual(expect.arrayContaining(['agent.created', 'issue.created', 'issue.checked_out', 'issue.released']));

    const checkedOut = (await get(`${base}?action=issue.checked_out`).expect(200)).body as Activity[];
    expect(checkedOut.map((r) => r.entityId)).toEqual([two.id, one.id]);

    const issuesOnly = (await get(`${base}?entityType=issue`).expect(200)).body as Activity[];
    expect(issuesOnly.length).toBeGreaterThan(0);
    expect(issuesOnly.every((r) => r.entityType === 'issue')).toBe(true);
    expect(issuesOnly.length).toBe(all.filter((r) => r.entityType === 'issue').length);

    const aboutTwo = (await get(`${base}?entityType=issue&entityId=${two.id}`).expect(200)).body as Activity[];
    expect(aboutTwo.map((r) => r.action)).toEqual(['issue.checked_out', 'issue.created']);

    const byAgent = (await get(`${base}?agentId=${agent.id}`).expect(200)).body as Activity[];
    expect(byAgent.map((r) => r.action)).toEqual(['issue.released', 'issue.updated', 'issue.comment_added', 'issue.checked_out']);
    const byOther = (await get(`${base}?agentId=${other.id}&action=issue.checked_out`).expect(200)).body as Activity[];
    expect(byOther.map((r) => r.entityId)).toEqual([two.id]);

    const none = (await get(`${base}?action=issue.admin_force_release`).expect(200)).body;
    expect(none).toEqual([]);
  });

  it('company activity: limit and the `before` cursor page through every row exactly once', async () => {
    const { company } = await history();
    const base = `/api/companies/${company.id}/activity`;
    const all = (await get(`${base}?limit=1000`).expect(200)).body as Activity[];
    expect(all.length).toBeGreaterThan(8);
    expect((await get(`${base}?limit=3`).expect(200)).body).toHaveLength(3);

    const paged: Activity[] = [];
    let before: string | undefined;
    for (let i = 0; i < 100; i++) {
      const page = (await get(`${base}?limit=3${before ? `&before=${before}` : ''}`).expect(200)).body as Activity[];
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(3);
      paged.push(...page);
      before = page[page.length - 1].id;
    }
    expect(paged.map((r) => r.id)).toEqual(all.map((r) => r.id));

    // The cursor combines with filters.
    const issueRows = all.filter((r) => r.entityType === 'issue');
    const firstPage = (await get(`${base}?entityType=issue&limit=2`).expect(200)).body as Activity[];
    const secondPage = (await get(`${base}?entityType=issue&limit=2&before=${firstPage[1].id}`).expect(200)).body as Activity[];
    expect([...firstPage, ...secondPage].map((r) => r.id)).toEqual(issueRows.slice(0, 4).map((r) => r.id));
  });

  it('company activity: bad query values → 400 (limit over 1000, malformed or foreign cursor, malformed agentId)', async () => {
    const { company } = await history();
    const elsewhere = await createCompany(t);
    const foreignRow = ((await get(`/api/companies/${elsewhere.id}/activity`).expect(200)).body as Activity[])[0];
    const base = `/api/companies/${company.id}/activity`;
    for (const query of ['?limit=1001', '?limit=0', '?before=nope', `?before=${foreignRow.id}`, '?agentId=bob']) {
      const res = await get(`${base}${query}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    }
  });

  it('company activity: viewers may read; agents get 403 board_required; outsiders 403 company_access_denied', async () => {
    const { company, agent, runId } = await history();
    const viewer = await createBoardUser(t, company.id, 'viewer');
    const outsider = await createBoardUser(t);
    const base = `/api/companies/${company.id}/activity`;
    expect((await get(base, viewer.key)).status).toBe(200);
    const asAgentRes = await t.http().get(base).set(asAgent(agent, runId));
    expect(asAgentRes.status).toBe(403);
    expect(asAgentRes.body.code).toBe('board_required');
    const asOutsider = await get(base, outsider.key);
    expect(asOutsider.status).toBe(403);
    expect(asOutsider.body.code).toBe('company_access_denied');
    const issueActivityOutsider = await get(`/api/issues/${(await createIssue(t, company.id)).id}/activity`, outsider.key);
    expect(issueActivityOutsider.status).toBe(403);
  });
});
