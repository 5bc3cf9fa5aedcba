import { bearer, createAgent, createCompany, seedIssue, type CompanyFixture } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';

/** GET /api/companies/:id/issues keyset paging: `cursor` in, X-Next-Cursor out, the body a plain array. */
describe('issue list cursor', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const PRIORITIES = ['critical', 'high', 'medium', 'low'];
  // Ties everywhere: a handful of instants, two of them a microsecond apart (a JS Date cannot tell them apart).
  const INSTANTS = ['2030-01-01 00:00:00.000001+00', '2030-01-01 00:00:00.000002+00', '2030-01-01 00:00:05+00', '2030-01-02 10:00:00+00'];

  /** `n` visible issues with tied priorities and updated_at, plus hidden ones the list must leave out. */
  async function seedTies(company: CompanyFixture, n: number, assigneeAgentId?: string): Promise<void> {
    for (let i = 0; i < n; i++) {
      await seedIssue(t, company, {
        title: i % 5 === 0 ? `Needle task ${i}` : `Task ${i}`,
        description: i % 7 === 0 ? 'has a NEEDLE inside' : null,
        status: i % 3 === 0 ? 'todo' : 'backlog',
        priority: PRIORITIES[i % 4] as never,
        assigneeAgentId: i % 2 === 0 ? assigneeAgentId : undefined,
        updatedAt: INSTANTS[i % INSTANTS.length],
      });
    }
    await t.db.query(`UPDATE issues SET hidden_at = now() WHERE company_id = $1 AND issue_number % 11 = 0`, [company.id]);
  }

  const list = (company: CompanyFixture, query: string) => t.http().get(`/api/companies/${company.id}/issues?${query}`).set(bearer(t.adminKey));

  /** Follows X-Next-Cursor from the first page to the last, checking each page is a plain array. */
  async function allPages(company: CompanyFixture, query: string, limit: number): Promise<string[][]> {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const res = await list(company, `${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
      expect(Array.isArray(res.body)).toBe(true);
      pages.push(res.body.map((i: { id: string }) => i.id));
      cursor = res.headers['x-next-cursor'];
      if (cursor) expect(res.body).toHaveLength(limit);
      expect(pages.length).toBeLessThan(100);
    } while (cursor);
    return pages;
  }

  it('pages cover the whole list exactly once, in its order, under tied priorities and timestamps', async () => {
    const company = await createCompany(t);
    await seedTies(company, 60);
    const whole = (await list(company, 'limit=1000').expect(200)).body.map((i: { id: string }) => i.id);
    expect(whole.length).toBeGreaterThan(50);
    for (const limit of [1, 7, whole.length]) {
      const pages = await allPages(company, '', limit);
      expect(pages.flat()).toEqual(whole);
    }
  });

  it('the page after an exactly full last page is empty and carries no cursor', async () => {
    const company = await createCompany(t);
    for (let i = 0; i < 6; i++) await seedIssue(t, company, { updatedAt: INSTANTS[0] });
    const pages = await allPages(company, '', 3);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 0]);
  });

  it('filters hold on every page: status, assignee, q (title, identifier, description; any case)', async () => {
    const company = await createCompany(t);
    const agent = await createAgent(t, company.id);
    await seedTies(company, 45, agent.id);
    const [{ identifier }] = (await t.db.query('SELECT identifier FROM issues WHERE company_id = $1 AND issue_number = 4', [company.id])).rows;
    for (const query of ['status=todo', `assigneeAgentId=${agent.id}`, `assigneeAgentId=${agent.id}&status=backlog,todo`, 'q=needle', 'q=NeEdLe', `q=${identifier.toLowerCase()}`]) {
      const whole = (await list(company, `${query}&limit=1000`).expect(200)).body.map((i: { id: string }) => i.id);
      expect(whole.length).toBeGreaterThan(0);
      expect((await allPages(company, query, 4)).flat()).toEqual(whole);
    }
    const needles = (await list(company, 'q=nEEDLE&limit=1000').expect(200)).body as { title: string; description: string | null }[];
    expect(needles.some((i) => i.title.startsWith('Needle'))).toBe(true);
    expect(needles.some((i) => !i.title.startsWith('Needle') && i.description?.includes('NEEDLE'))).toBe(true);
    expect(needles.every((i) => /needle/i.test(`${i.title} ${i.description}`))).toBe(true);
    expect((await list(company, `q=${identifier.toLowerCase()}`).expect(200)).body.map((i: { identifier: string }) => i.identifier)).toContain(identifier);
  });

  it('offset counts from the cursor', async () => {
    const company = await createCompany(t);
    await seedTies(company, 20);
    const whole = (await list(company, 'limit=1000').expect(200)).body.map((i: { id: string }) => i.id);
    const first = await list(company, 'limit=5').expect(200);
    const skipped = await list(company, `limit=5&offset=3&cursor=${first.headers['x-next-cursor']}`).expect(200);
    expect(skipped.body.map((i: { id: string }) => i.id)).toEqual(whole.slice(8, 13));
  });

  it.each([
    ['not base64 JSON', 'not-a-cursor'],
    ['JSON of another shape', Buffer.from('{"a":1}').toString('base64url')],
    ['a rank out of range', Buffer.from(JSON.stringify([9, '2030-01-01 00:00:00+00', '00000000-0000-4000-8000-000000000000'])).toString('base64url')],
    ['an impossible date', Buffer.from(JSON.stringify([1, '2030-02-30 00:00:00+00', '00000000-0000-4000-8000-000000000000'])).toString('base64url')],
    ['a timestamp PostgreSQL would not parse', Buffer.from(JSON.stringify([1, 'yesterday-ish', '00000000-0000-4000-8000-000000000000'])).toString('base64url')],
    ['an id that is not a uuid', Buffer.from(JSON.stringify([1, '2030-01-01 00:00:00+00', 'PAP-1'])).toString('base64url')],
  ])('a malformed cursor (%s) → 400 validation_failed', async (_what, cursor) => {
    const company = await createCompany(t);
    const res = await list(company, `cursor=${encodeURIComponent(cursor)}`).expect(400);
    expect(res.body).toMatchObject({ code: 'validation_failed', details: { problems: [{ field: 'cursor' }] } });
  });
});
