import { randomUUID } from 'node:crypto';
import { bearer, BoardUserFixture, createAgent, createBoardKey, createBoardUser, createCompany, setAgentStatus } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * Authorization cells that depend on more than the caller's kind, beside the matrix
 * (authorization-matrix.e2e-spec.ts): the 404-before-403 order, users acting on their own keys,
 * agent status and malformed Authorization headers.
 */
describe('authorization beyond the matrix (api.md §2)', () => {
  let t: TestApp;
  let companyA: string;
  let viewer: BoardUserFixture;
  let operator: BoardUserFixture;
  let agentB: string;
  let outsider: BoardUserFixture;

  beforeAll(async () => {
    t = await startTestApp();
    companyA = (await createCompany(t)).id;
    const companyB = (await createCompany(t)).id;
    agentB = (await createAgent(t, companyB)).key;
    viewer = await createBoardUser(t, companyA, 'viewer');
    operator = await createBoardUser(t, companyA, 'operator');
    outsider = await createBoardUser(t, companyB, 'owner');
  });
  afterAll(() => t?.close());

  it('answers 404 before 403 for ids that exist nowhere', async () => {
    for (const [method, path, key] of [
      ['get', `/api/companies/${randomUUID()}`, agentB],
      ['get', `/api/agents/${randomUUID()}`, outsider.key],
      ['patch', `/api/agents/${randomUUID()}`, viewer.key],
    ] as const) {
      const res = await t.http()[method](path).set(bearer(key)).send(method === 'patch' ? { title: 'x' } : undefined);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 404, code: 'not_found' });
    }
  });

  it('a board user manages their own keys, and only their own', async () => {
    await t.http().post(`/api/users/${viewer.userId}/keys`).set(bearer(viewer.key)).send({ name: 'mine' }).expect(201);
    const own = await createBoardKey(t, viewer.userId, viewer.key);
    await t.http().delete(`/api/board-keys/${own.id}`).set(bearer(viewer.key)).expect(200);
    const other = await t.http().post(`/api/users/${viewer.userId}/keys`).set(bearer(operator.key)).send({ name: 'theirs' });
    expect({ status: other.status, code: other.body.code }).toEqual({ status: 403, code: 'role_required' });
    const viewerKey = await createBoardKey(t, viewer.userId, viewer.key);
    const revoke = await t.http().delete(`/api/board-keys/${viewerKey.id}`).set(bearer(operator.key));
    expect({ status: revoke.status, code: revoke.body.code }).toEqual({ status: 403, code: 'role_required' });
  });

  it("a terminated agent's key stops working (401 invalid_credentials)", async () => {
    const doomed = await createAgent(t, companyA);
    await t.http().get('/api/agents/me').set(bearer(doomed.key)).expect(200);
    await setAgentStatus(t, doomed.id, 'terminated');
    for (const path of ['/api/agents/me', '/api/me', `/api/companies/${companyA}`]) {
      const res = await t.http().get(path).set(bearer(doomed.key));
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 401, code: 'invalid_credentials' });
    }
  });

  it('a paused agent keeps its credentials (only terminated agents are locked out)', async () => {
    const paused = await createAgent(t, companyA);
    await setAgentStatus(t, paused.id, 'paused');
    const res = await t.http().get('/api/agents/me').set(bearer(paused.key)).expect(200);
    expect(res.body).toMatchObject({ id: paused.id, status: 'paused' });
  });

  it('a malformed Authorization header is refused, never treated as anonymous', async () => {
    for (const header of ['Basic abc', 'Bearer', `Token ${t.adminKey}`, `Bearer ${t.adminKey} extra`]) {
      const res = await t.http().get('/api/me').set('Authorization', header);
      expect({ header, status: res.status, code: res.body.code }).toEqual({ header, status: 401, code: 'invalid_credentials' });
    }
  });
});
