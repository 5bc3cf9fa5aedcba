import { createHmac, randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../helpers/test-app';
import { AgentFixture, bearer, CompanyFixture, createAgent, createCompany, mintRunJwt, seedRun, setAgentStatus } from '../helpers/factories';

/** api.md §2: run JWTs are exactly HS256 over AGENT_JWT_SECRET, with every claim present and current. */
describe('run JWT authentication', () => {
  let t: TestApp;
  let company: CompanyFixture;
  let otherCompany: CompanyFixture;
  let agent: AgentFixture;
  let runId: string;

  beforeAll(async () => {
    t = await startTestApp();
    company = await createCompany(t, 'Jwt Co');
    otherCompany = await createCompany(t, 'Other Jwt Co');
    agent = await createAgent(t, company.id);
    runId = await seedRun(t, agent);
  });
  afterAll(() => t?.close());

  const claims = () => ({ agentId: agent.id, companyId: company.id, runId });

  describe('a valid token', () => {
    it('authenticates GET /api/agents/me as the agent', async () => {
      const res = await t.http().get('/api/agents/me').set(bearer(mintRunJwt(t, claims()))).expect(200);
      expect(res.body).toMatchObject({ id: agent.id, companyId: company.id, name: agent.name });
    });

    it('authenticates GET /api/me, which reports the run id from the claim', async () => {
      const res = await t.http().get('/api/me').set(bearer(mintRunJwt(t, claims()))).expect(200);
      expect(res.body).toMatchObject({ type: 'agent', agentId: agent.id, companyId: company.id, runId });
    });

    it('accepts an X-Paperclip-Run-Id header that agrees with the claim (any case)', async () => {
      const res = await t.http().get('/api/me').set(bearer(mintRunJwt(t, claims()))).set('X-Paperclip-Run-Id', runId.toUpperCase()).expect(200);
      expect(res.body.runId).toBe(runId);
    });

    it('reaches the agent\'s company but not another one', async () => {
      const token = mintRunJwt(t, claims());
      await t.http().get(`/api/companies/${company.id}`).set(bearer(token)).expect(200);
      const res = await t.http().get(`/api/companies/${otherCompany.id}`).set(bearer(token)).expect(403);
      expect(res.body.code).toBe('company_access_denied');
    });

    it('is an agent credential: board-only routes answer 403 board_required', async () => {
      const res = await t.http().get('/api/companies').set(bearer(mintRunJwt(t, claims()))).expect(403);
      expect(res.body.code).toBe('board_required');
    });
  });

  describe('X-Paperclip-Run-Id', () => {
    it('disagreeing with the claim → 422 run_id_mismatch', async () => {
      const res = await t.http().get('/api/me').set(bearer(mintRunJwt(t, claims()))).set('X-Paperclip-Run-Id', randomUUID()).expect(422);
      expect(res.body).toMatchObject({ code: 'run_id_mismatch', error: expect.any(String) });
      expect(res.body.details).toMatchObject({ tokenRunId: runId });
    });

    it('not a uuid → 400 validation_failed', async () => {
      const res = await t.http().get('/api/me').set(bearer(mintRunJwt(t, claims()))).set('X-Paperclip-Run-Id', 'run-42').expect(400);
      expect(res.body).toMatchObject({ code: 'validation_failed', details: { problems: expect.any(Array) } });
    });

    it('with an agent key (no claim) becomes the run id', async () => {
      const header = randomUUID();
      const res = await t.http().get('/api/me').set(bearer(agent.key)).set('X-Paperclip-Run-Id', header).expect(200);
      expect(res.body.runId).toBe(header);
    });
  });

  /** Each forged or stale token must be refused with 401 invalid_credentials. */
  const now = () => Math.floor(Date.now() / 1000);
  const forged: [string, () => string][] = [
    ['alg none, unsigned', () => mintRunJwt(t, claims(), { header: { alg: 'none', typ: 'JWT' } })],
    ['alg none, but carrying an HS256 signature', () => {
      const good = mintRunJwt(t, claims()).split('.');
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      return `${header}.${good[1]}.${good[2]}`;
    }],
    ['alg HS512 header', () => mintRunJwt(t, claims(), { header: { alg: 'HS512', typ: 'JWT' } })],
    ['alg RS256 header', () => mintRunJwt(t, claims(), { header: { alg: 'RS256', typ: 'JWT' } })],
    ['no alg in the header', () => mintRunJwt(t, claims(), { header: { typ: 'JWT' } })],
    ['signed with the wrong secret', () => mintRunJwt(t, claims(), { secret: 'not-the-server-secret-at-all' })],
    ['expired', () => mintRunJwt(t, claims(), { payload: { iat: now() - 7200, exp: now() - 60 } })],
    ['exp equal to now', () => mintRunJwt(t, claims(), { payload: { exp: now() } })],
    ['wrong iss', () => mintRunJwt(t, claims(), { payload: { iss: 'someone-else' } })],
    ['wrong aud', () => mintRunJwt(t, claims(), { payload: { aud: 'another-api' } })],
    ...['sub', 'company_id', 'run_id', 'adapter_type', 'iat', 'exp', 'iss', 'aud'].map(
      (claim): [string, () => string] => [`missing ${claim}`, () => mintRunJwt(t, claims(), { drop: [claim] })],
    ),
    ['exp as a string', () => mintRunJwt(t, claims(), { payload: { exp: String(now() + 3600) } })],
    ['sub not a uuid', () => mintRunJwt(t, claims(), { payload: { sub: 'agent-1' } })],
    ['tampered payload (sub swapped, signature kept)', () => {
      const [header, , signature] = mintRunJwt(t, claims()).split('.');
      const payload = Buffer.from(JSON.stringify({
        sub: randomUUID(), company_id: company.id, run_id: runId, adapter_type: 'process', iat: now(), exp: now() + 3600,
        iss: t.config.agentJwtIssuer, aud: t.config.agentJwtAudience,
      })).toString('base64url');
      return `${header}.${payload}.${signature}`;
    }],
    ['tampered payload (exp extended, signature kept)', () => {
      const [header, payload, signature] = mintRunJwt(t, claims(), { payload: { exp: now() - 10 } }).split('.');
      const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const extended = Buffer.from(JSON.stringify({ ...decoded, exp: now() + 3600 })).toString('base64url');
      return `${header}.${extended}.${signature}`;
    }],
    ['signature truncated', () => mintRunJwt(t, claims()).slice(0, -2)],
    ['payload that is not JSON', () => {
      const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
      const payload = Buffer.from('not json').toString('base64url');
      const sig = createHmac('sha256', Buffer.from(t.config.agentJwtSecret, 'utf8')).update(`${header}.${payload}`).digest('base64url');
      return `${header}.${payload}.${sig}`;
    }],
    ['company_id that is not the agent\'s company', () => mintRunJwt(t, { ...claims(), companyId: otherCompany.id })],
    ['sub naming an agent that does not exist', () => mintRunJwt(t, { ...claims(), agentId: randomUUID() })],
  ];

  it.each(forged)('%s → 401 invalid_credentials', async (_name, make) => {
    const token = make();
    for (const path of ['/api/agents/me', '/api/me']) {
      const res = await t.http().get(path).set(bearer(token));
      expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 401, body: { code: 'invalid_credentials', error: expect.any(String) } });
    }
  });

  it('the forgeries differ from a valid token only in the broken part (control)', async () => {
    // Same helper, no override: if this failed, every rejection above would prove nothing.
    await t.http().get('/api/agents/me').set(bearer(mintRunJwt(t, claims(), { payload: { iat: now() - 10 } }))).expect(200);
  });

  it('a terminated agent\'s run JWT → 401 invalid_credentials', async () => {
    const doomed = await createAgent(t, company.id);
    const doomedRun = await seedRun(t, doomed);
    const token = mintRunJwt(t, { agentId: doomed.id, companyId: company.id, runId: doomedRun });
    await t.http().get('/api/agents/me').set(bearer(token)).expect(200);
    await setAgentStatus(t, doomed.id, 'terminated');
    const res = await t.http().get('/api/agents/me').set(bearer(token)).expect(401);
    expect(res.body.code).toBe('invalid_credentials');
  });
});
