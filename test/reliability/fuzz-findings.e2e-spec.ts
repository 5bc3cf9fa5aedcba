import { bearer, createAgent, createCompany } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

/** Each case a fuzz or authorization-matrix run found answering 5xx or the wrong status, kept as a regression. */
describe('fuzz findings', () => {
  let t: TestApp;
  const admin = () => bearer(t.adminKey);
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('a body nested thousands of levels deep is a 400, not a stack overflow (500)', async () => {
    const company = await createCompany(t);
    const agent = await createAgent(t, company.id);
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    for (const [path, raw] of [
      [`/api/agents/${agent.id}/heartbeat/invoke`, deep(3000)],
      [`/api/companies/${company.id}/issues`, `{"title":${deep(10000)}}`],
      [`/api/agents/${agent.id}/wakeup`, `{"payload":{"a":${deep(40)}}}`],
    ]) {
      const res = await t.http().post(path).set(admin()).set('content-type', 'application/json').send(raw);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 400, code: 'validation_failed' });
    }
    // Nesting a real body needs stays accepted.
    await t.http().post(`/api/agents/${agent.id}/wakeup`).set(admin()).send({ payload: { a: { b: { c: [[1]] } } } }).expect(202);
  });
});
