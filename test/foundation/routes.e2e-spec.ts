import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../helpers/test-app';
import {
  bearer, BoardUserFixture, CompanyFixture, createAgent, createAgentKey, createBoardKey, createBoardUser, createCompany,
} from '../helpers/factories';
import { expectError, problemFields } from '../helpers/error-body';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const uniq = () => randomBytes(4).toString('hex');

describe('foundation routes', () => {
  let t: TestApp;
  let adminUserId: string;

  beforeAll(async () => {
    t = await startTestApp();
    adminUserId = (await t.http().get('/api/me').set(bearer(t.adminKey)).expect(200)).body.userId;
  });
  afterAll(() => t?.close());

  const admin = () => bearer(t.adminKey);

  describe('GET /api/me', () => {
    it('describes a board user with their memberships', async () => {
      const company = await createCompany(t);
      const user = await createBoardUser(t, company.id, 'viewer');
      const res = await t.http().get('/api/me').set(bearer(user.key)).expect(200);
      expect(res.body).toEqual({
        type: 'board',
        userId: user.userId,
        email: expect.stringMatching(/@example\.com$/),
        name: 'User',
        isInstanceAdmin: false,
        memberships: [{ companyId: company.id, role: 'viewer', status: 'active' }],
      });
    });
  });

  describe('users', () => {
    it('creates a user (email normalised) and lists it without any key material', async () => {
      const email = `Ada.${uniq()}@Example.com`;
      const res = await t.http().post('/api/users').set(admin()).send({ email, name: '  Ada  ' }).expect(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email: email.toLowerCase(),
        name: 'Ada',
        isInstanceAdmin: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
      const list = await t.http().get('/api/users').set(admin()).expect(200);
      expect(list.body.map((u: { id: string }) => u.id)).toContain(res.body.id);
      expect(list.body.map((u: { id: string }) => u.id)).toContain(adminUserId);
      expect(JSON.stringify(list.body)).not.toMatch(/clasp_board_|key_?hash|token/i);
    });

    it('refuses a duplicate email, whatever its case → 409 duplicate', async () => {
      const email = `dup${uniq()}@example.com`;
      await t.http().post('/api/users').set(admin()).send({ email, name: 'One' }).expect(201);
      const res = await t.http().post('/api/users').set(admin()).send({ email: email.toUpperCase(), name: 'Two' });
      expectError(res, 409, 'duplicate');
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email]);
      expect(rows[0].n).toBe(1);
    });

    it('rejects unknown fields → 400 validation_failed naming them', async () => {
      const res = await t.http().post('/api/users').set(admin()).send({ email: `x${uniq()}@example.com`, name: 'X', nickname: 'x', role: 'god' });
      expectError(res, 400, 'validation_failed');
      expect(problemFields(res)).toEqual(expect.arrayContaining(['nickname', 'role']));
    });

    it('rejects a bad email and a missing name → 400 validation_failed', async () => {
      const bad = await t.http().post('/api/users').set(admin()).send({ email: 'not-an-email', name: 'X' });
      expectError(bad, 400, 'validation_failed');
      expect(problemFields(bad)).toEqual(['email']);
      const missing = await t.http().post('/api/users').set(admin()).send({ email: `y${uniq()}@example.com` });
      expectError(missing, 400, 'validation_failed');
      expect(problemFields(missing)).toEqual(['name']);
      const wrongType = await t.http().post('/api/users').set(admin()).send({ email: `z${uniq()}@example.com`, name: 'Z', isInstanceAdmin: 'yes' });
      expectError(wrongType, 400, 'validation_failed');
      expect(problemFields(wrongType)).toEqual(['isInstanceAdmin']);
    });

    it('a user created as instance admin can, with a key, create users', async () => {
      const res = await t.http().post('/api/users').set(admin()).send({ email: `ia${uniq()}@example.com`, name: 'IA', isInstanceAdmin: true }).expect(201);
      expect(res.body.isInstanceAdmin).toBe(true);
      const key = await createBoardKey(t, res.body.id);
      await t.http().post('/api/users').set(bearer(key.token)).send({ email: `by-ia${uniq()}@example.com`, name: 'B' }).expect(201);
    });
  });

  describe('board keys', () => {
    it('are shown once; only the SHA-256 hash is stored; last_used_at is set on use', async () => {
      const user = await createBoardUser(t);
      const key = await createBoardKey(t, user.userId);
      expect(key.token).toMatch(/^clasp_board_[0-9a-f]{48}$/);
      const { rows } = await t.db.query('SELECT * FROM board_api_keys WHERE id = $1', [key.id]);
      expect(rows).toHaveLength(1);
      expect(rows[0].key_hash).toBe(sha256(key.token));
      expect(rows[0].user_id).toBe(user.userId);
      expect(rows[0].last_used_at).toBeNull();
      expect(JSON.stringify(rows[0])).not.toContain(key.token.slice('clasp_board_'.length));
      await t.http().get('/api/me').set(bearer(key.token)).expect(200);
      const after = await t.db.query('SELECT last_used_at FROM board_api_keys WHERE id = $1', [key.id]);
      expect(after.rows[0].last_used_at).toBeInstanceOf(Date);
      expect(Date.now() - after.rows[0].last_used_at.getTime()).toBeLessThan(60_000);
    });

    it('two keys of one user differ', async () => {
      const user = await createBoardUser(t);
      const [a, b] = [await createBoardKey(t, user.userId), await createBoardKey(t, user.userId)];
      expect(a.token).not.toBe(b.token);
      expect(a.id).not.toBe(b.id);
    });

    it('revoking works (then 401), is idempotent, and is audited once', async () => {
      const user = await createBoardUser(t);
      const key = await createBoardKey(t, user.userId);
      await t.http().get('/api/me').set(bearer(key.token)).expect(200);
      const res = await t.http().delete(`/api/board-keys/${key.id}`).set(admin()).expect(200);
      expect(res.body).toEqual({ ok: true });
      expectError(await t.http().get('/api/me').set(bearer(key.token)), 401, 'invalid_credentials');
      const { rows } = await t.db.query('SELECT revoked_at FROM board_api_keys WHERE id = $1', [key.id]);
      expect(rows[0].revoked_at).toBeInstanceOf(Date);
      await t.http().delete(`/api/board-keys/${key.id}`).set(admin()).expect(200);
      const audit = await t.db.query(`SELECT count(*)::int AS n FROM activity_log WHERE action = 'board_key.revoked' AND entity_id = $1`, [key.id]);
      expect(audit.rows[0].n).toBe(1);
      // the user's other key is untouched
      await t.http().get('/api/me').set(bearer(user.key)).expect(200);
    });

    it('a user may revoke their own key with that very key', async () => {
      const user = await createBoardUser(t);
      const key = await createBoardKey(t, user.userId, user.key);
      await t.http().delete(`/api/board-keys/${key.id}`).set(bearer(key.token)).expect(200);
      expectError(await t.http().get('/api/me').set(bearer(key.token)), 401, 'invalid_credentials');
    });

    it('unknown user → 404; malformed ids → 400 naming the path parameter', async () => {
      expectError(await t.http().post(`/api/users/${randomUUID()}/keys`).set(admin()).send({ name: 'k' }), 404, 'not_found');
      const badUser = await t.http().post('/api/users/123/keys').set(admin()).send({ name: 'k' });
      expectError(badUser, 400, 'validation_failed');
      expect(problemFields(badUser)).toEqual(['userId']);
      const badKey = await t.http().delete('/api/board-keys/abc').set(admin());
      expectError(badKey, 400, 'validation_failed');
      expect(problemFields(badKey)).toEqual(['keyId']);
      expectError(await t.http().post(`/api/users/${adminUserId}/keys`).set(admin()).send({}), 400, 'validation_failed');
    });
  });

  describe('companies', () => {
    it('derives the issue prefix from the name and makes it unique', async () => {
      const first = await t.http().post('/api/companies').set(admin()).send({ name: 'Paper Clips', description: 'clips' }).expect(201);
      expect(first.body).toEqual({
        id: expect.any(String),
        name: 'Paper Clips',
        description: 'clips',
        status: 'active',
        issuePrefix: 'PAP',
        issueCounter: 0,
        requireBoardApprovalForNewAgents: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const second = await t.http().post('/api/companies').set(admin()).send({ name: 'Paper Clips' }).expect(201);
      expect(second.body.issuePrefix).toBe('PAP2');
      expect(second.body.description).toBeNull();
      const third = await t.http().post('/api/companies').set(admin()).send({ name: 'papyrus' }).expect(201);
      expect(third.body.issuePrefix).toBe('PAP3');
      const { rows } = await t.db.query('SELECT issue_prefix FROM companies WHERE id = $1', [second.body.id]);
      expect(rows[0].issue_prefix).toBe('PAP2');
    });

    it('derives distinct prefixes for companies created at the same moment', async () => {
      const results = await Promise.all(
        Array.from({ length: 5 }, () => t.http().post('/api/companies').set(admin()).send({ name: 'Simultaneous Co' })),
      );
      expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
      expect(results.map((r) => r.body.issuePrefix).sort()).toEqual(['SIM', 'SIM2', 'SIM3', 'SIM4', 'SIM5']);
    });

    it('upper-cases an explicit prefix and refuses a taken one → 409 duplicate', async () => {
      const res = await t.http().post('/api/companies').set(admin()).send({ name: 'Zed Corp', issuePrefix: 'zq1' }).expect(201);
      expect(res.body.issuePrefix).toBe('ZQ1');
      const dup = await t.http().post('/api/companies').set(admin()).send({ name: 'Other', issuePrefix: 'Zq1' });
      expectError(dup, 409, 'duplicate');
      expect(dup.body.details).toEqual({ issuePrefix: 'ZQ1' });
      const bad = await t.http().post('/api/companies').set(admin()).send({ name: 'Bad', issuePrefix: '1AB' });
      expectError(bad, 400, 'validation_failed');
      expect(problemFields(bad)).toEqual(['issuePrefix']);
    });

    it('gives the creator an owner membership', async () => {
      const company = await createCompany(t);
      const members = await t.http().get(`/api/companies/${company.id}/members`).set(admin()).expect(200);
      expect(members.body).toEqual([
        expect.objectContaining({ companyId: company.id, principalType: 'user', principalId: adminUserId, role: 'owner', status: 'active' }),
      ]);
    });

    it('GET /api/companies shows a member only the companies they actively belong to', async () => {
      const a = await createCompany(t);
      const b = await createCompany(t);
      const member = await createBoardUser(t, a.id, 'viewer');
      const mine = await t.http().get('/api/companies').set(bearer(member.key)).expect(200);
      expect(mine.body.map((c: { id: string }) => c.id)).toEqual([a.id]);
      const all = await t.http().get('/api/companies').set(admin()).expect(200);
      expect(all.body.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining([a.id, b.id]));
      const nobody = await createBoardUser(t);
      expect((await t.http().get('/api/companies').set(bearer(nobody.key)).expect(200)).body).toEqual([]);
      const one = await t.http().get(`/api/companies/${a.id}`).set(bearer(member.key)).expect(200);
      expect(one.body).toMatchObject({ id: a.id, issuePrefix: a.issuePrefix });
    });
  });

  describe('memberships', () => {
    let company: CompanyFixture;
    let owner: BoardUserFixture;
    let companyAdmin: BoardUserFixture;
    beforeAll(async () => {
      company = await createCompany(t);
      owner = await createBoardUser(t, company.id, 'owner');
      companyAdmin = await createBoardUser(t, company.id, 'admin');
    });
    const put = (as: string, userId: string, body: Record<string, unknown>) =>
      t.http().put(`/api/companies/${company.id}/members/${userId}`).set(bearer(as)).send(body);

    it('PUT is an upsert: one membership per user, role changed in place, status kept', async () => {
      const user = await createBoardUser(t);
      const created = await put(companyAdmin.key, user.userId, { role: 'viewer' }).expect(200);
      expect(created.body).toMatchObject({ companyId: company.id, principalType: 'user', principalId: user.userId, role: 'viewer', status: 'active' });
      const updated = await put(companyAdmin.key, user.userId, { role: 'operator' }).expect(200);
      expect(updated.body).toMatchObject({ id: created.body.id, role: 'operator', status: 'active' });
      const members = await t.http().get(`/api/companies/${company.id}/members`).set(bearer(user.key)).expect(200);
      expect(members.body.filter((m: { principalId: string }) => m.principalId === user.userId)).toEqual([
        expect.objectContaining({ id: created.body.id, role: 'operator' }),
      ]);
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM company_memberships WHERE company_id = $1 AND principal_id = $2', [company.id, user.userId]);
      expect(rows[0].n).toBe(1);
    });

    it('a suspended membership loses access, and regains it when reactivated', async () => {
      const user = await createBoardUser(t, company.id, 'operator');
      await t.http().get(`/api/companies/${company.id}`).set(bearer(user.key)).expect(200);
      const suspended = await put(owner.key, user.userId, { role: 'operator', status: 'suspended' }).expect(200);
      expect(suspended.body.status).toBe('suspended');
      expectError(await t.http().get(`/api/companies/${company.id}`).set(bearer(user.key)), 403, 'company_access_denied');
      expectError(await t.http().get(`/api/companies/${company.id}/agents`).set(bearer(user.key)), 403, 'company_access_denied');
      expect((await t.http().get('/api/companies').set(bearer(user.key)).expect(200)).body).toEqual([]);
      // a later role change without status keeps it suspended
      expect((await put(owner.key, user.userId, { role: 'viewer' }).expect(200)).body.status).toBe('suspended');
      await put(owner.key, user.userId, { role: 'viewer', status: 'active' }).expect(200);
      await t.http().get(`/api/companies/${company.id}`).set(bearer(user.key)).expect(200);
    });

    it('only an owner may grant or change owner standing (admin → 403 role_required)', async () => {
      const user = await createBoardUser(t, company.id, 'viewer');
      const grant = await put(companyAdmin.key, user.userId, { role: 'owner' });
      expectError(grant, 403, 'role_required');
      const demote = await put(companyAdmin.key, owner.userId, { role: 'viewer' });
      expectError(demote, 403, 'role_required');
      const { rows } = await t.db.query(
        `SELECT principal_id, membership_role FROM company_memberships WHERE company_id = $1 AND principal_id = ANY($2::uuid[]) ORDER BY membership_role`,
        [company.id, [user.userId, owner.userId]],
      );
      expect(Object.fromEntries(rows.map((r: { principal_id: string; membership_role: string }) => [r.principal_id, r.membership_role]))).toEqual({
        [user.userId]: 'viewer',
        [owner.userId]: 'owner',
      });
      await put(owner.key, user.userId, { role: 'owner' }).expect(200);
      const me = await t.http().get('/api/me').set(bearer(user.key)).expect(200);
      expect(me.body.memberships).toEqual([{ companyId: company.id, role: 'owner', status: 'active' }]);
    });

    it('validates the body and the user', async () => {
      const user = await createBoardUser(t);
      const bad = await put(owner.key, user.userId, { role: 'superuser' });
      expectError(bad, 400, 'validation_failed');
      expect(problemFields(bad)).toEqual(['role']);
      expectError(await put(owner.key, user.userId, { role: 'viewer', status: 'gone' }), 400, 'validation_failed');
      expectError(await put(owner.key, user.userId, {}), 400, 'validation_failed');
      expectError(await put(owner.key, randomUUID(), { role: 'viewer' }), 404, 'not_found');
    });
  });

  describe('audit trail (activity_log)', () => {
    it('records every foundation change with its actor and entity', async () => {
      const company = await createCompany(t, 'Audited');
      const user = await createBoardUser(t, company.id, 'admin');
      const membership = (await t.db.query('SELECT id FROM company_memberships WHERE company_id = $1 AND principal_id = $2', [company.id, user.userId])).rows[0];
      const agent = await t.http().post(`/api/companies/${company.id}/agents`).set(bearer(user.key)).send({ name: 'Audit' }).expect(201);
      await t.http().patch(`/api/agents/${agent.body.id}`).set(bearer(user.key)).send({ title: 'Watched' }).expect(200);
      const key = await createAgentKey(t, agent.body.id, user.key);
      await t.http().delete(`/api/agents/${agent.body.id}/keys/${key.id}`).set(bearer(user.key)).expect(200);
      const boardKey = await createBoardKey(t, user.userId, user.key);

      const { rows } = await t.db.query(
        `SELECT company_id, actor_type, actor_id, action, entity_type, entity_id, details FROM activity_log
          WHERE company_id = $1 OR entity_id = $2 ORDER BY created_at, action`,
        [company.id, boardKey.id],
      );
      const byAction = (action: string) => rows.filter((r: { action: string }) => r.action === action);
      expect(byAction('company.created')).toEqual([
        expect.objectContaining({ company_id: company.id, actor_type: 'user', actor_id: adminUserId, entity_type: 'company', entity_id: company.id, details: expect.objectContaining({ name: 'Audited', issuePrefix: company.issuePrefix }) }),
      ]);
      expect(byAction('company.member_updated')).toEqual([
        expect.objectContaining({ actor_type: 'user', actor_id: adminUserId, entity_type: 'company_membership', entity_id: membership.id, details: expect.objectContaining({ userId: user.userId, role: 'admin', status: 'active' }) }),
      ]);
      expect(byAction('agent.created')).toEqual([
        expect.objectContaining({ actor_type: 'user', actor_id: user.userId, entity_type: 'agent', entity_id: agent.body.id, details: expect.objectContaining({ name: 'Audit' }) }),
      ]);
      expect(byAction('agent.updated')).toEqual([
        expect.objectContaining({ actor_id: user.userId, entity_id: agent.body.id, details: expect.objectContaining({ title: 'Watched', _previous: { title: null } }) }),
      ]);
      expect(byAction('agent.key_created')).toEqual([
        expect.objectContaining({ actor_id: user.userId, entity_type: 'agent_api_key', entity_id: key.id, details: expect.objectContaining({ agentId: agent.body.id }) }),
      ]);
      expect(byAction('agent.key_revoked')).toEqual([
        expect.objectContaining({ actor_id: user.userId, entity_type: 'agent_api_key', entity_id: key.id, details: expect.objectContaining({ agentId: agent.body.id }) }),
      ]);
      expect(byAction('board_key.created')).toEqual([
        expect.objectContaining({ company_id: null, actor_type: 'user', actor_id: user.userId, entity_type: 'board_api_key', entity_id: boardKey.id, details: expect.objectContaining({ userId: user.userId }) }),
      ]);
      // no secret ever reaches the log
      expect(JSON.stringify(rows)).not.toMatch(/clasp_(board|agent)_[0-9a-f]/);
    });

    it('a refused change writes no audit row', async () => {
      const company = await createCompany(t);
      const viewer = await createBoardUser(t, company.id, 'viewer');
      const before = (await t.db.query('SELECT count(*)::int AS n FROM activity_log WHERE company_id = $1', [company.id])).rows[0].n;
      await t.http().post(`/api/companies/${company.id}/agents`).set(bearer(viewer.key)).send({ name: 'Nope' }).expect(403);
      await t.http().post(`/api/companies/${company.id}/agents`).set(admin()).send({ name: 'Nope', reportsTo: randomUUID() }).expect(422);
      const after = (await t.db.query('SELECT count(*)::int AS n FROM activity_log WHERE company_id = $1', [company.id])).rows[0].n;
      expect(after).toBe(before);
    });
  });

  describe('malformed requests never cause a 500', () => {
    const bodies = ['{"email":', '{name: "x"}', 'null', '[1,2', '"just a string"'];

    it.each(bodies)('malformed JSON body %j → 400 validation_failed', async (raw) => {
      const company = await createCompany(t);
      const agent = await createAgent(t, company.id);
      const targets = [
        t.http().post('/api/users'),
        t.http().post('/api/companies'),
        t.http().patch(`/api/agents/${agent.id}`),
        t.http().put(`/api/companies/${company.id}/members/${adminUserId}`),
      ];
      for (const req of targets) {
        const res = await req.set(admin()).set('Content-Type', 'application/json').send(raw);
        expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'validation_failed' });
        expect(typeof res.body.error).toBe('string');
      }
    });

    it('a JSON array or a non-object body → 400 validation_failed', async () => {
      for (const body of [[1, 2], [{ email: 'a@b.c', name: 'x' }]]) {
        expectError(await t.http().post('/api/users').set(admin()).send(body), 400, 'validation_failed');
      }
    });

    it('wrong value types never reach the database as a 500', async () => {
      const company = await createCompany(t);
      for (const body of [{ name: 42 }, { name: 'x', description: { a: 1 } }, { name: 'x'.repeat(201) }, { name: 'x', issuePrefix: 7 }]) {
        expectError(await t.http().post('/api/companies').set(admin()).send(body), 400, 'validation_failed');
      }
      const agent = await createAgent(t, company.id);
      for (const body of [{ title: 5 }, { permissions: [1] }, { name: 'x'.repeat(101) }]) {
        expectError(await t.http().patch(`/api/agents/${agent.id}`).set(admin()).send(body), 400, 'validation_failed');
      }
    });

    it('every response carries an X-Request-Id, and a sane caller id is echoed', async () => {
      const res = await t.http().get('/api/me').set(admin()).set('X-Request-Id', 'trace-123').expect(200);
      expect(res.headers['x-request-id']).toBe('trace-123');
      const err = await t.http().get('/api/me');
      expect(err.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });
});
