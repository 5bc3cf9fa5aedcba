import { randomBytes } from 'node:crypto';
import { createAgent, createCompany, seedIssueLockedBy, seedRun, type AgentFixture, type CompanyFixture } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';
import { asAgent, createIssue } from '../issues/issue-helpers';
import { liveRun } from '../runs/run-helpers';

type Line = Record<string, any>;

/** The access log and the lines logged while serving (docs/operations.md "Logs"), read as an operator's log shipper would. */
describe('request logs', () => {
  let t: TestApp;
  let company: CompanyFixture;
  let agent: AgentFixture;
  let other: AgentFixture;
  const raw: string[] = [];
  const lines = (): Line[] => raw.map((l) => JSON.parse(l) as Line);
  const ofRequest = (id: string) => lines().filter((l) => l.requestId === id);
  /** The access line is written when the response has finished: supertest may see the body first. */
  const accessLineOf = async (id: string): Promise<Line> => {
    for (let i = 0; i < 50; i++) {
      const found = ofRequest(id).find((l) => l.msg === 'request');
      if (found) return found;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no access line for ${id}: ${raw.join('\n')}`);
  };

  beforeAll(async () => {
    t = await startTestApp({ logLevel: 'info' }, { logStream: { write: (chunk: string) => raw.push(...chunk.split('\n').filter(Boolean)) } });
    company = await createCompany(t);
    agent = await createAgent(t, company.id);
    other = await createAgent(t, company.id);
  });
  afterAll(() => t?.close());

  it('one JSON line per request: route template, status, duration, the caller’s X-Request-Id, actor, run and error code', async () => {
    const issue = await createIssue(t, company.id);
    const { runId } = await liveRun(t, agent);
    const res = await t.http().get(`/api/issues/${issue.identifier}`).set({ ...asAgent(agent, runId), 'X-Request-Id': 'trace-0001' }).expect(200);
    expect(res.headers['x-request-id']).toBe('trace-0001');
    expect(await accessLineOf('trace-0001')).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      pid: process.pid,
      requestId: 'trace-0001',
      method: 'GET',
      route: '/api/issues/:id',
      url: `/api/issues/${issue.identifier}`,
      status: 200,
      durationMs: expect.any(Number),
      actorType: 'agent',
      actorId: agent.id,
      runId,
      code: null,
      msg: 'request',
    });

    const refused = await t.http().patch(`/api/issues/${issue.id}`).set({ ...asAgent(other), 'X-Request-Id': 'trace-0002' }).send({ status: 'done' });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(await accessLineOf('trace-0002')).toMatchObject({ route: '/api/issues/:id', method: 'PATCH', status: refused.status, code: refused.body.code, actorId: other.id, runId: null });
  });

  it('an X-Request-Id that is not a sane token is replaced by a uuid, and that id is echoed and logged', async () => {
    const res = await t.http().get('/api/health').set('X-Request-Id', 'no spaces; or "quotes"').expect(200);
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await t.http().get('/api/nowhere').set('X-Request-Id', 'trace-404').expect(404);
    expect(await accessLineOf('trace-404')).toMatchObject({ route: 'unmatched', status: 404, code: 'not_found', actorType: null });
  });

  it('every line logged while serving a request carries its request id (a stale lock cleared on the way)', async () => {
    const deadRun = await seedRun(t, agent, 'failed');
    const issue = await seedIssueLockedBy(t, company, agent, deadRun);
    const { runId } = await liveRun(t, other);
    await t.http()
      .post(`/api/issues/${issue.id}/checkout`)
      .set({ ...asAgent(other, runId), 'X-Request-Id': 'trace-stale' })
      .send({ agentId: other.id, expectedStatuses: ['in_progress'] });
    await accessLineOf('trace-stale');
    const cleared = lines().filter((l) => l.msg === 'stale lock cleared' && l.issueId === issue.id);
    expect(cleared).toEqual([expect.objectContaining({ requestId: 'trace-stale', context: 'Locks', clearedCheckoutRunId: deadRun, source: 'request' })]);
  });

  it('credentials never reach the log: Authorization, board and agent keys, run JWTs', async () => {
    const { runId, token } = await liveRun(t, agent);
    const boardKey = `clasp_board_${randomBytes(24).toString('hex')}`;
    const agentKey = `clasp_agent_${randomBytes(24).toString('hex')}`;
    await t.http().get('/api/me').set({ Authorization: `Bearer ${token}`, 'X-Request-Id': 'trace-jwt' }).expect(200);
    await t.http().get(`/api/agents/${agentKey}?key=${boardKey}`).set({ ...asAgent(agent, runId), 'X-Request-Id': 'trace-keys' }).expect(400);
    await t.http().get(`/api/issues/${token}`).set({ Authorization: `Bearer ${agent.key}`, 'X-Request-Id': 'trace-url-jwt' });
    for (const id of ['trace-jwt', 'trace-keys', 'trace-url-jwt']) await accessLineOf(id);

    const all = raw.join('\n');
    for (const secret of [token, agent.key, other.key, t.adminKey, boardKey, agentKey, token.split('.')[2]]) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/authorization/i);
    expect((await accessLineOf('trace-jwt')).actorType).toBe('agent');
    expect((await accessLineOf('trace-keys')).url).toBe('/api/agents/clasp_agent_[redacted]?key=clasp_board_[redacted]');
    expect((await accessLineOf('trace-url-jwt')).url).toBe('/api/issues/[redacted-jwt]');
  });
});
