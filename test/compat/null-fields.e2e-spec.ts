import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { AgentFixture, bearer, CompanyFixture, createAgent, createBoardUser, createCompany, seedRun } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';
import { createIssue } from '../issues/issue-helpers';
import { liveRun } from '../runs/run-helpers';

const uniq = () => randomBytes(4).toString('hex');

interface Prepared {
  path: string;
  /** A body the route accepts; the property sets some of its fields (or any declared field) to null. */
  body: Record<string, unknown>;
  headers: Record<string, string>;
}
type Prepare = () => Promise<Prepared>;

type OpenApi = {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
};

/**
 * Every field of every request body, sent as `null`, alone or with others: never a 5xx. A 2xx
 * (null clears a nullable field) or a 4xx naming the field are both fine. The bodies come from
 * the OpenAPI document, so a new body or field is covered without touching this test.
 */
describe('null in any body field never reaches a service as a 500', () => {
  let t: TestApp;
  let doc: OpenApi;
  let company: CompanyFixture;
  let agent: AgentFixture;
  const admin = () => bearer(t.adminKey);

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.http().get('/docs-json').expect(200)).body;
    company = await createCompany(t);
    agent = await createAgent(t, company.id);
  });
  afterAll(() => t?.close());

  /** A fresh target per sample, so one sample's effect (a finished run, a moved issue) does not hide the next one's. */
  const PREPARE: Record<string, Prepare> = {
    'POST /api/users': async () => ({ path: '/api/users', body: { email: `n${uniq()}@example.com`, name: 'N' }, headers: admin() }),
    'POST /api/users/{userId}/keys': async () => {
      const user = await createBoardUser(t);
      return { path: `/api/users/${user.userId}/keys`, body: { name: 'k' }, headers: admin() };
    },
    'POST /api/companies': async () => ({ path: '/api/companies', body: { name: `N ${uniq()}`, description: 'd', issuePrefix: `N${uniq().slice(0, 4).toUpperCase()}` }, headers: admin() }),
    'PUT /api/companies/{companyId}/members/{userId}': async () => {
      const user = await createBoardUser(t);
      return { path: `/api/companies/${company.id}/members/${user.userId}`, body: { role: 'viewer', status: 'active' }, headers: admin() };
    },
    'POST /api/companies/{companyId}/agents': async () => ({
      path: `/api/companies/${company.id}/agents`,
      body: { name: `N-${uniq()}`, role: 'qa', title: 't', reportsTo: agent.id, adapterType: 'process', permissions: {} },
      headers: admin(),
    }),
    'PATCH /api/agents/{agentId}': async () => {
      const target = await createAgent(t, company.id);
      return { path: `/api/agents/${target.id}`, body: { name: `P-${uniq()}`, role: 'qa', title: 't', reportsTo: agent.id, status: 'active', permissions: {} }, headers: admin() };
    },
    'POST /api/agents/{agentId}/keys': async () => ({ path: `/api/agents/${agent.id}/keys`, body: { name: 'k' }, headers: admin() }),
    'POST /api/companies/{companyId}/issues': async () => {
      const parent = await createIssue(t, company.id);
      return {
        path: `/api/companies/${company.id}/issues`,
        body: {
          title: 'N', description: 'd', status: 'todo', priority: 'high', parentId: parent.id, assigneeAgentId: agent.id, blockedByIssueIds: [],
          billingCode: 'B', requestDepth: 1, workMode: 'standard', idempotencyKey: `i-${uniq()}`,
        },
        headers: admin(),
      };
    },
    'PATCH /api/issues/{id}': async () => {
      const { runId, token } = await liveRun(t, agent);
      const issue = await createIssue(t, company.id, { assigneeAgentId: agent.id, description: 'd', billingCode: 'B' });
      return {
        path: `/api/issues/${issue.id}`,
        body: { title: 'P', description: 'e', status: 'in_progress', priority: 'low', comment: 'c', billingCode: 'C', requestDepth: 2, workMode: 'standard', hiddenAt: new Date().toISOString() },
        headers: { Authorization: `Bearer ${token}`, 'X-Paperclip-Run-Id': runId },
      };
    },
    'POST /api/issues/{id}/checkout': async () => {
      const { token } = await liveRun(t, agent);
      const issue = await createIssue(t, company.id);
      return { path: `/api/issues/${issue.id}/checkout`, body: { agentId: agent.id, expectedStatuses: ['todo'] }, headers: bearer(token) };
    },
    'POST /api/issues/{id}/comments': async () => {
      const issue = await createIssue(t, company.id);
      return { path: `/api/issues/${issue.id}/comments`, body: { body: 'c', idempotencyKey: `c-${uniq()}` }, headers: bearer(agent.key) };
    },
    'POST /api/agents/{agentId}/wakeup': async () => {
      const issue = await createIssue(t, company.id);
      return { path: `/api/agents/${agent.id}/wakeup`, body: { source: 'on_demand', triggerDetail: 'manual', reason: 'r', payload: { issueId: issue.id }, idempotencyKey: `w-${uniq()}` }, headers: admin() };
    },
    'POST /api/agents/{agentId}/heartbeat/invoke': async () => {
      const issue = await createIssue(t, company.id);
      return { path: `/api/agents/${agent.id}/heartbeat/invoke`, body: { invocationSource: 'timer', triggerDetail: 't', issueId: issue.id, reason: 'r' }, headers: admin() };
    },
    'POST /api/heartbeat-runs/{runId}/finish': async () => {
      const runId = await seedRun(t, agent, 'running');
      return { path: `/api/heartbeat-runs/${runId}/finish`, body: { status: 'failed', error: 'e', errorCode: 'x' }, headers: admin() };
    },
  };

  function bodyOperations(): { key: string; method: string; fields: string[] }[] {
    return Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.requestBody)
        .map(([method, op]) => {
          const ref = op.requestBody?.content['application/json']?.schema.$ref as string;
          const schema = doc.components.schemas[ref.split('/').pop() as string];
          return { key: `${method.toUpperCase()} ${path}`, method, fields: Object.keys(schema.properties ?? {}) };
        }),
    );
  }

  it('covers every route that takes a body', () => {
    expect(bodyOperations().map((o) => o.key).sort()).toEqual(Object.keys(PREPARE).sort());
  });

  it('answers 2xx or 4xx, never 5xx, whichever fields are null', async () => {
    const operations = bodyOperations();
    expect(operations.length).toBeGreaterThan(10);
    for (const { key, method, fields } of operations) {
      expect({ key, fields: fields.length }).toEqual({ key, fields: expect.any(Number) });
      await fc.assert(
        fc.asyncProperty(fc.subarray(fields, { minLength: 1 }), async (nullFields) => {
          const { path, body, headers } = await PREPARE[key]();
          const sent = { ...body, ...Object.fromEntries(nullFields.map((f) => [f, null])) };
          const res = await t.http()[method as 'post' | 'patch' | 'put'](path).set(headers).send(sent);
          expect({ key, sent, status: res.status, body: res.status >= 500 ? res.body : undefined }).toEqual({ key, sent, status: expect.any(Number), body: undefined });
          if (res.status >= 400) expect(typeof res.body.code).toBe('string');
        }),
        // Each field alone first, then random combinations.
        { numRuns: fields.length + 6, examples: fields.map((f) => [[f]]) },
      );
    }
  }, 120_000);

  it('null clears a nullable field and is refused (400, naming it) for a required one', async () => {
    const issue = await createIssue(t, company.id, { description: 'd' });
    const cleared = await t.http().patch(`/api/issues/${issue.id}`).set(admin()).send({ description: null }).expect(200);
    expect(cleared.body).toMatchObject({ description: null, changes: { description: { from: 'd', to: null } } });
    for (const field of ['title', 'status', 'priority', 'comment', 'blockedByIssueIds', 'requestDepth', 'workMode']) {
      const res = await t.http().patch(`/api/issues/${issue.id}`).set(admin()).send({ [field]: null });
      expect({ field, status: res.status, fields: res.body.details?.problems?.map((p: { field: string }) => p.field) }).toEqual({ field, status: 400, fields: [field] });
    }
  });
});
