import { createHash, randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../helpers/test-app';
import { bearer, CompanyFixture, createAgent, createAgentKey, createCompany } from '../helpers/factories';
import { expectError, problemFields } from '../helpers/error-body';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('agent routes', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  const admin = () => bearer(t.adminKey);

  describe('agents', () => {
    let company: CompanyFixture;
    let other: CompanyFixture;
    beforeAll(async () => {
      company = await createCompany(t);
      other = await createCompany(t);
    });
    const create = (body: Record<string, unknown>, companyId = company.id) =>
      t.http().post(`/api/companies/${companyId}/agents`).set(admin()).send(body);
    const patch = (agentId: string, body: Record<string, unknown>) => t.http().patch(`/api/agents/${agentId}`).set(admin()).send(body);

    it('creates an agent with defaults (status active)', async () => {
      const res = await create({ name: '  Builder  ' }).expect(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        companyId: company.id,
        name: 'Builder',
        role: 'general',
        title: null,
        status: 'active',
        reportsTo: null,
        adapterType: 'process',
        permissions: {},
        lastHeartbeatAt: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const { rows } = await t.db.query('SELECT company_id, status, adapter_config, runtime_config FROM agents WHERE id = $1', [res.body.id]);
      expect(rows[0]).toEqual({ company_id: company.id, status: 'active', adapter_config: {}, runtime_config: {} });
    });

    it('creates with every field, lists per company, and gets one', async () => {
      const boss = await create({ name: 'Boss', role: 'ceo' }).expect(201);
      const res = await create({
        name: 'Worker', role: 'engineer', title: 'Senior', reportsTo: boss.body.id, adapterType: 'claude_local', permissions: { canManageCheckouts: true },
      }).expect(201);
      expect(res.body).toMatchObject({
        name: 'Worker', role: 'engineer', title: 'Senior', reportsTo: boss.body.id, adapterType: 'claude_local', permissions: { canManageCheckouts: true },
      });
      const elsewhere = await create({ name: 'Elsewhere' }, other.id).expect(201);
      const list = await t.http().get(`/api/companies/${company.id}/agents`).set(admin()).expect(200);
      const listed = list.body.map((a: { id: string }) => a.id);
      expect(listed).toEqual(expect.arrayContaining([boss.body.id, res.body.id]));
      expect(listed).not.toContain(elsewhere.body.id);
      expect(listed.indexOf(boss.body.id)).toBeLessThan(listed.indexOf(res.body.id));
      const one = await t.http().get(`/api/agents/${res.body.id}`).set(admin()).expect(200);
      expect(one.body).toEqual(res.body);
    });

    it('PATCH changes the given fields only', async () => {
      const agent = await create({ name: 'Patchy', title: 'Old' }).expect(201);
      const res = await patch(agent.body.id, { name: 'Patched', role: 'qa', status: 'paused', permissions: { canManageCheckouts: true } }).expect(200);
      expect(res.body).toMatchObject({ name: 'Patched', role: 'qa', title: 'Old', status: 'paused', permissions: { canManageCheckouts: true } });
      const cleared = await patch(agent.body.id, { title: null, status: 'active' }).expect(200);
      expect(cleared.body).toMatchObject({ name: 'Patched', title: null, status: 'active' });
      expect((await t.http().get(`/api/agents/${agent.body.id}`).set(admin()).expect(200)).body).toEqual(cleared.body);
    });

    it('PATCH validates status, role and unknown fields', async () => {
      const agent = await create({ name: 'Strict' }).expect(201);
      for (const body of [{ status: 'running' }, { status: 'pending_approval' }, { role: 'overlord' }, { companyId: other.id }, { reportsTo: 'boss' }]) {
        const res = await patch(agent.body.id, body);
        expectError(res, 400, 'validation_failed');
        expect(problemFields(res)).toEqual(Object.keys(body));
      }
      expectError(await create({ name: '' }), 400, 'validation_failed');
      expectError(await create({ name: 'X', permissions: 'all' }), 400, 'validation_failed');
    });

    it('reportsTo must be an agent of the same company → 422 invalid_reference', async () => {
      const foreign = await create({ name: 'Foreign' }, other.id).expect(201);
      const res = await create({ name: 'Misplaced', reportsTo: foreign.body.id });
      expectError(res, 422, 'invalid_reference');
      expectError(await create({ name: 'Orphan', reportsTo: randomUUID() }), 422, 'invalid_reference');
      const local = await create({ name: 'Local' }).expect(201);
      expectError(await patch(local.body.id, { reportsTo: foreign.body.id }), 422, 'invalid_reference');
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM agents WHERE name IN ('Misplaced', 'Orphan')`);
      expect(rows[0].n).toBe(0);
    });

    it('reportsTo may not make a cycle → 422 invalid_reference; null clears it', async () => {
      const a = await create({ name: 'A' }).expect(201);
      const b = await create({ name: 'B', reportsTo: a.body.id }).expect(201);
      const c = await create({ name: 'C', reportsTo: b.body.id }).expect(201);
      expectError(await patch(a.body.id, { reportsTo: a.body.id }), 422, 'invalid_reference');
      expectError(await patch(a.body.id, { reportsTo: b.body.id }), 422, 'invalid_reference');
      expectError(await patch(a.body.id, { reportsTo: c.body.id }), 422, 'invalid_reference');
      expect((await t.http().get(`/api/agents/${a.body.id}`).set(admin()).expect(200)).body.reportsTo).toBeNull();
      await patch(b.body.id, { reportsTo: null }).expect(200);
      const ok = await patch(a.body.id, { reportsTo: c.body.id }).expect(200);
      expect(ok.body.reportsTo).toBe(c.body.id);
    });

    it('agent keys: shown once, hashed, last_used_at set, revocable per agent', async () => {
      const agent = await createAgent(t, company.id);
      const sibling = await createAgent(t, company.id);
      const key = await createAgentKey(t, agent.id);
      expect(key.token).toMatch(/^clasp_agent_[0-9a-f]{48}$/);
      const { rows } = await t.db.query('SELECT * FROM agent_api_keys WHERE id = $1', [key.id]);
      expect(rows[0]).toMatchObject({ agent_id: agent.id, company_id: company.id, key_hash: sha256(key.token), last_used_at: null, revoked_at: null });
      expect(JSON.stringify(rows[0])).not.toContain(key.token.slice('clasp_agent_'.length));
      await t.http().get('/api/agents/me').set(bearer(key.token)).expect(200);
      expect((await t.db.query('SELECT last_used_at FROM agent_api_keys WHERE id = $1', [key.id])).rows[0].last_used_at).toBeInstanceOf(Date);

      // a key cannot be revoked through another agent's path
      expectError(await t.http().delete(`/api/agents/${sibling.id}/keys/${key.id}`).set(admin()), 404, 'not_found');
      await t.http().get('/api/agents/me').set(bearer(key.token)).expect(200);

      const res = await t.http().delete(`/api/agents/${agent.id}/keys/${key.id}`).set(admin()).expect(200);
      expect(res.body).toEqual({ ok: true });
      expectError(await t.http().get('/api/agents/me').set(bearer(key.token)), 401, 'invalid_credentials');
      // the agent's other key still works
      const me = await t.http().get('/api/agents/me').set(bearer(agent.key)).expect(200);
      expect(me.body.id).toBe(agent.id);
    });
  });
});
