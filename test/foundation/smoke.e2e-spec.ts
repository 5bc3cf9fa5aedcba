import { startTestApp, TestApp } from '../helpers/test-app';
import { bearer, createAgent, createCompany } from '../helpers/factories';

describe('foundation smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('serves health without credentials', async () => {
    const res = await t.http().get('/api/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', version: expect.any(String), database: 'up' });
  });

  it('lets the bootstrap admin create a company and an agent that can see itself', async () => {
    const company = await createCompany(t, 'Paper Clips');
    expect(company.issuePrefix).toMatch(/^PAP/);
    const agent = await createAgent(t, company.id);
    const me = await t.http().get('/api/agents/me').set(bearer(agent.key)).expect(200);
    expect(me.body).toMatchObject({ id: agent.id, companyId: company.id, status: 'active' });
  });
});
