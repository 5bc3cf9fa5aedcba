import { bearer, createAgent, createBoardUser, createCompany, seedIssue, seedRun } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { adminUserId, asAgent, auditRows, createIssue, world } from './issue-helpers';

/** api.md §5: create, read and list issues; ids, errors and validation. */
describe('issues CRUD', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('create', () => {
    it('numbers issues PREFIX-N per company, with defaults, creator and an issue.created audit row', async () => {
      const company = await createCompany(t, 'Acme Widgets');
      const other = await createCompany(t, 'Other Co');
      const res = await t.http().post(`/api/companies/${company.id}/issues`).set(bearer(t.adminKey)).send({ title: '  Fix login  ', description: 'the cookie' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        companyId: company.id,
        identifier: `${company.issuePrefix}-1`,
        issueNumber: 1,
        title: 'Fix login',
        description: 'the cookie',
        status: 'backlog',
        priority: 'medium',
        assigneeAgentId: null,
        assigneeUserId: null,
        checkoutRunId: null,
        executionRunId: null,
        parentId: null,
        createdByUserId: await adminUserId(t),
        createdByAgentId: null,
      });
      const second = await createIssue(t, company.id);
      expect(second).toMatchObject({ identifier: `${company.issuePrefix}-2`, issueNumber: 2 });
      // Numbering is per company.
      expect(await createIssue(t, other.id)).toMatchObject({ identifier: `${other.issuePrefix}-1`, issueNumber: 1 });

      const audit = await auditRows(t, res.body.id, 'issue.created');
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor_type: 'user', company_id: company.id });
    });

    it('an agent of the company may create; it is recorded as creator', async () => {
      const { company, agent } = await world(t);
      const res = await t.http().post(`/api/companies/${company.id}/issues`).set(asAgent(agent)).send({ title: 'Found a bug', priority: 'high' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ createdByAgentId: agent.id, createdByUserId: null, priority: 'high' });
    });

    it('20 concurrent creates get distinct consecutive numbers 1..20', async () => {
      const company = await createCompany(t);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          t.http().post(`/api/companies/${company.id}/issues`).set(bearer(t.adminKey)).send({ title: `Parallel ${i}` }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
      const numbers = results.map((r) => r.body.issueNumber).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(new Set(results.map((r) => r.body.identifier)).size).toBe(20);
      const { rows } = await t.db.query('SELECT issue_counter FROM companies WHERE id = $1', [company.id]);
      expect(rows[0].issue_counter).toBe(20);
    });

    it('unknown body fields → 400 validation_failed, nothing created', async () => {
      const company = await createCompany(t);
      const res = await t.http().post(`/api/companies/${company.id}/issues`).set(bearer(t.adminKey)).send({ title: 'x', checkoutRunId: '5b0c7e59-7c1a-4a55-9d0e-1d2b3c4d5e6f' });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM issues WHERE company_id = $1', [company.id]);
      expect(rows[0].n).toBe(0);
    });

    it('invalid values → 400: missing title, unknown status, unknown priority, malformed assignee', async () => {
      const company = await createCompany(t);
      for (const body of [{}, { title: '' }, { title: 'x', status: 'doing' }, { title: 'x', priority: 'urgent' }, { title: 'x', assigneeAgentId: 'bob' }]) {
        const res = await t.http().post(`/api/companies/${company.id}/issues`).set(bearer(t.adminKey)).send(body);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('validation_failed');
      }
    });

    it('an assignee agent of another company → 422 invalid_assignee', async () => {
      const company = await createCompany(t);
      const elsewhere = await createCompany(t);
      const stranger = await createAgent(t, elsewhere.id);
      const res = await t.http().post(`/api/companies/${company.id}/issues`).set(bearer(t.adminKey)).send({ title: 'x', assigneeAgentId: stranger.id });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('invalid_assignee');
    });

    it('a viewer cannot create (403 read_only_membership), an outsider agent cannot (403 company_access_denied)', async () => {
      const company = await createCompany(t);
      const viewer = await createBoardUser(t, company.id, 'viewer');
      const elsewhere = await createCompany(t);
      const stranger = await createAgent(t, elsewhere.id);
      const asViewer = await t.http().post(`/api/companies/${company.id}/issues`).set(bearer(viewer.key)).send({ title: 'x' });
      expect(asViewer.status).toBe(403);
      expect(asViewer.body.code).toBe('read_only_membership');
      const asStranger = await t.http().post(`/api/companies/${company.id}/issues`).set(asAgent(stranger)).send({ title: 'x' });
      expect(asStranger.status).toBe(403);
      expect(asStranger.body.code).toBe('company_access_denied');
    });
  });

  describe('get and PATCH', () => {
    it('PATCH audits what changed with its previous values, and nothing when nothing changed', async () => {
      const company = await createCompany(t);
      const issue = await createIssue(t, company.id, { title: 'Same', priority: 'low' });
      const res = await t.http().patch(`/api/issues/${issue.id}`).set(bearer(t.adminKey)).send({ title: '  Same  ', priority: 'high' }).expect(200);
      expect(res.body).toMatchObject({ title: 'Same', priority: 'high' });
      const updates = await auditRows(t, issue.id, 'issue.updated');
      expect(updates.map((r) => r.details)).toEqual([{ priority: 'high', _previous: { priority: 'low' } }]);

      await t.http().patch(`/api/issues/${issue.id}`).set(bearer(t.adminKey)).send({ title: 'Same ', priority: 'high' }).expect(200);
      expect(await auditRows(t, issue.id, 'issue.updated')).toHaveLength(1);
    });

    it('by uuid and by identifier (case-insensitive), with blockedByIssueIds and blocksIssueIds', async () => {
      const company = await createCompany(t);
      const blocker = await createIssue(t, company.id, { title: 'first' });
      const issue = await createIssue(t, company.id, { title: 'second', blockedByIssueIds: [blocker.id] });
      const blocked = await createIssue(t, company.id, { title: 'third', blockedByIssueIds: [issue.id] });

      const byId = await t.http().get(`/api/issues/${issue.id}`).set(bearer(t.adminKey)).expect(200);
      expect(byId.body).toMatchObject({ id: issue.id, title: 'second', blockedByIssueIds: [blocker.id], blocksIssueIds: [blocked.id] });
      for (const ref of [issue.identifier, issue.identifier.toLowerCase(), `${issue.identifier.slice(0, 1).toLowerCase()}${issue.identifier.slice(1)}`]) {
        const res = await t.http().get(`/api/issues/${ref}`).set(bearer(t.adminKey));
        expect(res.status).toBe(200);
        expect(res.body).toEqual(byId.body);
      }
      const first = await t.http().get(`/api/issues/${blocker.id}`).set(bearer(t.adminKey)).expect(200);
      expect(first.body).toMatchObject({ blockedByIssueIds: [], blocksIssueIds: [issue.id] });
    });

    it('every field of the issue shape is present', async () => {
      const { company, agent, runId } = await world(t);
      const issue = await createIssue(t, company.id);
      await t.http().post(`/api/issues/${issue.id}/checkout`).set(asAgent(agent, runId)).send({ agentId: agent.id, expectedStatuses: ['todo'] }).expect(200);
      const res = await t.http().get(`/api/issues/${issue.id}`).set(asAgent(agent)).expect(200);
      for (const field of [
        'id', 'companyId', 'identifier', 'issueNumber', 'parentId', 'title', 'description', 'status', 'priority', 'assigneeAgentId', 'assigneeUserId',
        'checkoutRunId', 'executionRunId', 'executionAgentNameKey', 'executionLockedAt', 'createdByAgentId', 'createdByUserId', 'startedAt',
        'completedAt', 'cancelledAt', 'createdAt', 'updatedAt', 'blockedByIssueIds', 'blocksIssueIds',
      ]) {
        expect(res.body).toHaveProperty(field);
      }
      expect(new Date(res.body.executionLockedAt).toISOString()).toBe(res.body.executionLockedAt);
    });

    it('malformed ids → 400, unknown ids and identifiers → 404', async () => {
      for (const bad of ['123', 'not-a-uuid', '5b0c7e59-7c1a-4a55-9d0e', 'ABC-x']) {
        const res = await t.http().get(`/api/issues/${bad}`).set(bearer(t.adminKey));
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('validation_failed');
      }
      for (const unknown of ['5b0c7e59-7c1a-4a55-9d0e-1d2b3c4d5e6f', 'ZZZ-999999']) {
        const res = await t.http().get(`/api/issues/${unknown}`).set(bearer(t.adminKey));
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('not_found');
      }
      const badCompany = await t.http().get('/api/companies/xyz/issues').set(bearer(t.adminKey));
      expect(badCompany.status).toBe(400);
    });

    it("another company's issue → 403 company_access_denied, for board members and agents alike", async () => {
      const mine = await createCompany(t);
      const theirs = await createCompany(t);
      const member = await createBoardUser(t, mine.id, 'owner');
      const agent = await createAgent(t, mine.id);
      const issue = await createIssue(t, theirs.id);
      for (const headers of [bearer(member.key), asAgent(agent)]) {
        for (const path of [`/api/issues/${issue.id}`, `/api/issues/${issue.identifier}`, `/api/issues/${issue.id}/comments`, `/api/issues/${issue.id}/activity`]) {
          const res = await t.http().get(path).set(headers);
          expect(res.status).toBe(403);
          expect(res.body.code).toBe('company_access_denied');
        }
        const patch = await t.http().patch(`/api/issues/${issue.id}`).set(headers).send({ title: 'hijacked' });
        expect(patch.status).toBe(403);
        expect(patch.body.code).toBe('company_access_denied');
      }
      const list = await t.http().get(`/api/companies/${theirs.id}/issues`).set(bearer(member.key));
      expect(list.status).toBe(403);
      expect(list.body.code).toBe('company_access_denied');
    });

    it('PATCH with unknown body fields → 400, nothing changes', async () => {
      const company = await createCompany(t);
      const issue = await createIssue(t, company.id, { title: 'keep' });
      for (const body of [{ title: 'new', checkoutRunId: null }, { identifier: 'X-1' }, { status: 'doing' }]) {
        const res = await t.http().patch(`/api/issues/${issue.id}`).set(bearer(t.adminKey)).send(body);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('validation_failed');
      }
      const { rows } = await t.db.query('SELECT title, status FROM issues WHERE id = $1', [issue.id]);
      expect(rows[0]).toEqual({ title: 'keep', status: 'todo' });
    });

    it('PATCH audits issue.updated with the changed fields and their _previous values', async () => {
      const company = await createCompany(t);
      const issue = await createIssue(t, company.id, { title: 'old', priority: 'low' });
      const res = await t.http().patch(`/api/issues/${issue.id}`).set(bearer(t.adminKey)).send({ title: 'new', priority: 'low', description: 'desc' });
      expect(res.status).toBe(200);
      const audit = await auditRows(t, issue.id, 'issue.updated');
      expect(audit).toHaveLength(1);
      expect(audit[0].details).toEqual({ title: 'new', description: 'desc', _previous: { title: 'old', description: null } });
    });
  });

  describe('list', () => {
    it('filters by status (comma list), assigneeAgentId, parentId and q over title/identifier/description', async () => {
      const company = await createCompany(t);
      const agent = await createAgent(t, company.id);
      const parent = await seedIssue(t, company, { title: 'Parent epic', status: 'backlog' });
      const a = await seedIssue(t, company, { title: 'Login broken', status: 'todo', assigneeAgentId: agent.id, parentId: parent.id });
      const b = await seedIssue(t, company, { title: 'Slow page', status: 'in_review', description: 'the LOGIN page is slow', parentId: parent.id });
      const c = await seedIssue(t, company, { title: 'Done thing', status: 'done', assigneeAgentId: agent.id });
      const d = await seedIssue(t, company, { title: 'Literal 100%_ match', status: 'blocked' });

      const ids = async (query: string) => {
        const res = await t.http().get(`/api/companies/${company.id}/issues${query}`).set(bearer(t.adminKey));
        expect(res.status).toBe(200);
        return res.body.map((i: { id: string }) => i.id).sort();
      };
      const sorted = (...xs: { id: string }[]) => xs.map((x) => x.id).sort();

      expect(await ids('')).toEqual(sorted(parent, a, b, c, d));
      expect(await ids('?status=todo,done')).toEqual(sorted(a, c));
      expect(await ids('?status=in_review')).toEqual(sorted(b));
      expect(await ids(`?assigneeAgentId=${agent.id}`)).toEqual(sorted(a, c));
      expect(await ids(`?assigneeAgentId=${agent.id}&status=done`)).toEqual(sorted(c));
      expect(await ids(`?parentId=${parent.id}`)).toEqual(sorted(a, b));
      expect(await ids('?q=login')).toEqual(sorted(a, b));
      expect(await ids(`?q=${encodeURIComponent(c.identifier.toLowerCase())}`)).toEqual(sorted(c));
      expect(await ids(`?q=${encodeURIComponent('100%_')}`)).toEqual(sorted(d));
      expect(await ids('?q=nothing-matches-this')).toEqual([]);

      const badStatus = await t.http().get(`/api/companies/${company.id}/issues?status=todo,doing`).set(bearer(t.adminKey));
      expect(badStatus.status).toBe(400);
    });

    it('orders by priority (critical, high, medium, low), then updatedAt descending', async () => {
      const company = await createCompany(t);
      const at = (minutes: number) => new Date(Date.UTC(2030, 0, 1, 0, minutes)).toISOString();
      const lowNew = await seedIssue(t, company, { title: 'low new', priority: 'low', updatedAt: at(50) });
      const medOld = await seedIssue(t, company, { title: 'medium old', priority: 'medium', updatedAt: at(1) });
      const critOld = await seedIssue(t, company, { title: 'critical old', priority: 'critical', updatedAt: at(2) });
      const highNew = await seedIssue(t, company, { title: 'high new', priority: 'high', updatedAt: at(40) });
      const medNew = await seedIssue(t, company, { title: 'medium new', priority: 'medium', updatedAt: at(30) });
      const critNew = await seedIssue(t, company, { title: 'critical new', priority: 'critical', updatedAt: at(20) });
      const highOld = await seedIssue(t, company, { title: 'high old', priority: 'high', updatedAt: at(3) });
      const res = await t.http().get(`/api/companies/${company.id}/issues`).set(bearer(t.adminKey)).expect(200);
      expect(res.body.map((i: { id: string }) => i.id)).toEqual([critNew, critOld, highNew, highOld, medNew, medOld, lowNew].map((i) => i.id));
    });

    it('limit defaults to 100, accepts up to 1000 (1001 → 400), and offset pages', async () => {
      const company = await createCompany(t);
      await t.db.query(
        `INSERT INTO issues (company_id, title, status, priority, issue_number, identifier, updated_at)
         SELECT $1, 'Bulk ' || n, 'todo', 'medium', n, $2 || '-' || n, timestamptz '2030-01-01' + n * interval '1 second'
           FROM generate_series(1, 105) AS n`,
        [company.id, company.issuePrefix],
      );
      await t.db.query('UPDATE companies SET issue_counter = 105 WHERE id = $1', [company.id]);
      const list = (query: string) => t.http().get(`/api/companies/${company.id}/issues${query}`).set(bearer(t.adminKey));

      expect((await list('')).body).toHaveLength(100);
      expect((await list('?limit=1000')).body).toHaveLength(105);
      expect((await list('?limit=7')).body).toHaveLength(7);
      for (const bad of ['?limit=1001', '?limit=0', '?limit=abc', '?offset=-1']) {
        const res = await list(bad);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('validation_failed');
      }

      // updated_at descending: Bulk 105 first. Pages of 40 cover everything exactly once.
      const all = (await list('?limit=1000')).body.map((i: { title: string }) => i.title);
      expect(all[0]).toBe('Bulk 105');
      const pages: string[] = [];
      for (const offset of [0, 40, 80]) pages.push(...(await list(`?limit=40&offset=${offset}`)).body.map((i: { title: string }) => i.title));
      expect(pages).toEqual(all);
      expect((await list('?offset=105')).body).toEqual([]);
    });

    it('viewers and the company agents may list', async () => {
      const { company, agent } = await world(t);
      const viewer = await createBoardUser(t, company.id, 'viewer');
      await createIssue(t, company.id);
      expect((await t.http().get(`/api/companies/${company.id}/issues`).set(bearer(viewer.key))).body).toHaveLength(1);
      expect((await t.http().get(`/api/companies/${company.id}/issues`).set(asAgent(agent))).body).toHaveLength(1);
    });

    it('the inbox of an agent lists its todo, in_progress and blocked issues', async () => {
      const { company, agent, runId } = await world(t);
      const todo = await seedIssue(t, company, { status: 'todo', assigneeAgentId: agent.id });
      const blocked = await seedIssue(t, company, { status: 'blocked', assigneeAgentId: agent.id });
      const working = await seedIssue(t, company, { status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: runId, executionRunId: runId });
      await seedIssue(t, company, { status: 'done', assigneeAgentId: agent.id });
      await seedIssue(t, company, { status: 'todo' });
      const other = await createAgent(t, company.id);
      await seedIssue(t, company, { status: 'todo', assigneeAgentId: other.id });
      await seedRun(t, other, 'running');
      const res = await t.http().get('/api/agents/me/inbox-lite').set(asAgent(agent)).expect(200);
      expect(res.body.map((i: { id: string }) => i.id).sort()).toEqual([todo.id, blocked.id, working.id].sort());
    });
  });
});
