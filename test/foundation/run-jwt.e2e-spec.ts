import { randomUUID } from 'node:crypto';
import { RUN_JWT_CLOCK_TOLERANCE_SECONDS } from '../../src/auth/run-jwt.service';
import { startTestApp, TestApp } from '../helpers/test-app';
import { AgentFixture, bearer, CompanyFixture, createAgent, createCompany, forgeRunJwt, mintRunJwt, seedRun, setAgentStatus } from '../helpers/factories';
import { decodeJwtSegment, forgeJwt, jwtSegment } from '../helpers/jwt-forgery';

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
      const res = await t.http().get('/api/agents/me').set(bearer(await mintRunJwt(t, claims()))).expect(200);
      expect(res.body).toMatchObject({ id: agent.id, companyId: company.id, name: agent.name });
    });

    it('authenticates GET /api/me, which reports the run id from the claim', async () => {
      const res = await t.http().get('/api/me').set(bearer(await mintRunJwt(t, claims()))).expect(200);
      expect(res.body).toMatchObject({ type: 'agent', agentId: agent.id, companyId: company.id, runId });
    });

    it('accepts an X-Paperclip-Run-Id header that agrees with the claim (any case)', async () => {
      const res = await t.http().get('/api/me').set(bearer(await mintRunJwt(t, claims()))).set('X-Paperclip-Run-Id', runId.toUpperCase()).expect(200);
      expect(res.body.runId).toBe(runId);
    });

    it('reaches the agent\'s company but not another one', async () => {
      const token = await mintRunJwt(t, claims());
      await t.http().get(`/api/companies/${company.id}`).set(bearer(token)).expect(200);
      const res = await t.http().get(`/api/companies/${otherCompany.id}`).set(bearer(token)).expect(403);
      expect(res.body.code).toBe('company_access_denied');
    });

    it('is an agent credential: board-only routes answer 403 board_required', async () => {
      const res = await t.http().get('/api/companies').set(bearer(await mintRunJwt(t, claims()))).expect(403);
      expect(res.body.code).toBe('board_required');
    });
  });

  describe('X-Paperclip-Run-Id', () => {
    it('disagreeing with the claim → 422 run_id_mismatch', async () => {
      const res = await t.http().get('/api/me').set(bearer(await mintRunJwt(t, claims()))).set('X-Paperclip-Run-Id', randomUUID()).expect(422);
      expect(res.body).toMatchObject({ code: 'run_id_mismatch', error: expect.any(String) });
      expect(res.body.details).toMatchObject({ tokenRunId: runId });
    });

    it('not a uuid → 400 validation_failed', async () => {
      const res = await t.http().get('/api/me').set(bearer(await mintRunJwt(t, claims()))).set('X-Paperclip-Run-Id', 'run-42').expect(400);
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
  const forge = (options: Parameters<typeof forgeRunJwt>[2]) => forgeRunJwt(t, claims(), options);
  const forged: [string, () => Promise<string>][] = [
    ['alg none, unsigned', () => forge({ header: { alg: 'none', typ: 'JWT' } })],
    ['alg none, but carrying an HS256 signature', async () => {
      const good = (await mintRunJwt(t, claims())).split('.');
      return `${jwtSegment({ alg: 'none', typ: 'JWT' })}.${good[1]}.${good[2]}`;
    }],
    ['alg HS512 header', () => forge({ header: { alg: 'HS512', typ: 'JWT' } })],
    ['alg HS384 header', () => forge({ header: { alg: 'HS384', typ: 'JWT' } })],
    ['alg RS256 header', () => forge({ header: { alg: 'RS256', typ: 'JWT' } })],
    ['no alg in the header', () => forge({ header: { typ: 'JWT' } })],
    ['a critical header extension the server does not know', () => forge({ header: { alg: 'HS256', crit: ['x-clasp'], 'x-clasp': 1 } })],
    ['an unencoded payload (b64: false)', () => forge({ header: { alg: 'HS256', crit: ['b64'], b64: false } })],
    ['signed with the wrong secret', () => forge({ secret: 'not-the-server-secret-at-all' })],
    ['expired', () => forge({ payload: { iat: now() - 7200, exp: now() - 60 } })],
    ['expired by exactly the clock tolerance', () => forge({ payload: { exp: now() - RUN_JWT_CLOCK_TOLERANCE_SECONDS } })],
    ['not valid before a time still to come (nbf)', () => forge({ payload: { nbf: now() + 600 } })],
    ['wrong iss', () => forge({ payload: { iss: 'someone-else' } })],
    ['wrong aud', () => forge({ payload: { aud: 'another-api' } })],
    ['aud a list without ours', () => forge({ payload: { aud: ['another-api'] } })],
    ...['sub', 'company_id', 'run_id', 'adapter_type', 'iat', 'exp', 'iss', 'aud'].map(
      (claim): [string, () => Promise<string>] => [`missing ${claim}`, () => forge({ drop: [claim] })],
    ),
    ['exp as a string', () => forge({ payload: { exp: String(now() + 3600) } })],
    ['iat as a string', () => forge({ payload: { iat: String(now()) } })],
    ['sub not a uuid', () => forge({ payload: { sub: 'agent-1' } })],
    ['company_id not a uuid', () => forge({ payload: { company_id: 'acme' } })],
    ['run_id not a uuid', () => forge({ payload: { run_id: 'run-42' } })],
    ['an empty adapter_type', () => forge({ payload: { adapter_type: '' } })],
    ['tampered payload (sub swapped, signature kept)', async () => {
      const [header, payload, signature] = (await mintRunJwt(t, claims())).split('.');
      return `${header}.${jwtSegment({ ...decodeJwtSegment(payload), sub: randomUUID() })}.${signature}`;
    }],
    ['tampered payload (exp extended, signature kept)', async () => {
      const [header, payload, signature] = (await forge({ payload: { exp: now() - 60 } })).split('.');
      return `${header}.${jwtSegment({ ...decodeJwtSegment(payload), exp: now() + 3600 })}.${signature}`;
    }],
    ['signature truncated', async () => (await mintRunJwt(t, claims())).slice(0, -2)],
    ['payload that is not JSON', async () => forgeJwt({ alg: 'HS256', typ: 'JWT' }, 'not json', t.config.agentJwtSecret)],
    ['company_id that is not the agent\'s company', () => mintRunJwt(t, { ...claims(), companyId: otherCompany.id })],
    ['sub naming an agent that does not exist', () => mintRunJwt(t, { ...claims(), agentId: randomUUID() })],
  ];

  it.each(forged)('%s → 401 invalid_credentials', async (_name, make) => {
    const token = await make();
    for (const path of ['/api/agents/me', '/api/me']) {
      const res = await t.http().get(path).set(bearer(token));
      expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 401, body: { code: 'invalid_credentials', error: expect.any(String) } });
    }
  });

  it('the forgeries differ from a valid token only in the broken part (control)', async () => {
    // Same helper, no override that breaks anything: if this failed, every rejection above would prove nothing.
    await t.http().get('/api/agents/me').set(bearer(await forge({ payload: { iat: now() - 10 } }))).expect(200);
  });

  it('a token a harness signed itself with plain HMAC over AGENT_JWT_SECRET is accepted', async () => {
    const payload = {
      sub: agent.id, company_id: company.id, run_id: runId, adapter_type: 'claude_local',
      iat: now(), exp: now() + 600, iss: t.config.agentJwtIssuer, aud: t.config.agentJwtAudience,
    };
    const res = await t.http().get('/api/me').set(bearer(forgeJwt({ alg: 'HS256', typ: 'JWT' }, payload, t.config.agentJwtSecret))).expect(200);
    expect(res.body).toMatchObject({ agentId: agent.id, runId });
  });

  it(`a token that expired less than ${RUN_JWT_CLOCK_TOLERANCE_SECONDS} s ago is still accepted (replica clock skew)`, async () => {
    await t.http().get('/api/agents/me').set(bearer(await forge({ payload: { exp: now() - 2 } }))).expect(200);
  });

  it('a terminated agent\'s run JWT → 401 invalid_credentials', async () => {
    const doomed = await createAgent(t, company.id);
    const doomedRun = await seedRun(t, doomed);
    const token = await mintRunJwt(t, { agentId: doomed.id, companyId: company.id, runId: doomedRun });
    await t.http().get('/api/agents/me').set(bearer(token)).expect(200);
    await setAgentStatus(t, doomed.id, 'terminated');
    const res = await t.http().get('/api/agents/me').set(bearer(token)).expect(401);
    expect(res.body.code).toBe('invalid_credentials');
  });
});
