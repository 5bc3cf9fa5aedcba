import { bearer, createAgent, createBoardUser, createCompany, seedIssue, seedRun } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

interface Response {
  description?: string;
  content?: Record<string, { schema?: { $ref?: string } }>;
}
interface Operation {
  tags?: string[];
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { example?: unknown }> };
  security?: Record<string, string[]>[];
  responses: Record<string, Response>;
  'x-clasp-access'?: { board?: string; agent?: boolean; public?: true };
}
type OpenApi = {
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, { type: string; scheme?: string; description?: string }>;
    schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
  };
};

const ERROR_BODY_REF = '#/components/schemas/ErrorBody';
const refOf = (response: Response) => response.content?.['application/json']?.schema?.$ref;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** api.md §5: Swagger UI at /docs and the document at /docs-json, both public, with board and agent bearer schemes. */
describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: OpenApi;
  let operations: { method: string; path: string; op: Operation }[];

  beforeAll(async () => {
    t = await startTestApp();
    const res = await t.http().get('/docs-json').expect(200);
    doc = res.body;
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
    );
  });
  afterAll(() => t?.close());

  it('serves the Swagger UI at /docs without credentials', async () => {
    const res = await t.http().get('/docs').redirects(2).expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toMatch(/swagger-ui/i);
  });

  it('serves the document at /docs-json without credentials', async () => {
    const res = await t.http().get('/docs-json').expect(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body.openapi).toMatch(/^3\./);
  });

  it('declares the two bearer schemes, board and agent', () => {
    expect(doc.components.securitySchemes).toEqual(
      expect.objectContaining({
        board: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
        agent: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      }),
    );
  });

  it('documents every foundation route', () => {
    const listed = operations.map((o) => `${o.method} ${o.path}`);
    expect(listed).toEqual(
      expect.arrayContaining([
        'GET /api/health', 'GET /api/me', 'POST /api/users', 'GET /api/users', 'POST /api/users/{userId}/keys',
        'DELETE /api/board-keys/{keyId}', 'POST /api/companies', 'GET /api/companies', 'GET /api/companies/{companyId}',
        'PUT /api/companies/{companyId}/members/{userId}', 'GET /api/companies/{companyId}/members',
        'POST /api/companies/{companyId}/agents', 'GET /api/companies/{companyId}/agents', 'GET /api/agents/{agentId}',
        'PATCH /api/agents/{agentId}', 'POST /api/agents/{agentId}/keys', 'DELETE /api/agents/{agentId}/keys/{keyId}',
        'GET /api/agents/me',
      ]),
    );
  });

  it('every route under /api except the /api/health probes requires a declared scheme, and documents 401', () => {
    const schemes = Object.keys(doc.components.securitySchemes);
    const offenders: string[] = [];
    for (const { method, path, op } of operations) {
      if (!path.startsWith('/api/') || /^\/api\/health(\/live|\/ready)?$/.test(path)) continue;
      const named = (op.security ?? []).flatMap((requirement) => Object.keys(requirement));
      if (named.length === 0 || named.some((s) => !schemes.includes(s)) || !op.responses['401']) offenders.push(`${method} ${path}`);
    }
    expect(offenders).toEqual([]);
    expect(operations.filter((o) => o.path.startsWith('/api/')).length).toBeGreaterThanOrEqual(18);
  });

  it('/api/health and its live/ready probes are public: no security requirement', () => {
    for (const path of ['/api/health', '/api/health/live', '/api/health/ready']) expect(doc.paths[path].get.security ?? []).toEqual([]);
  });

  it('every route documents at least one success response', () => {
    const missing = operations.filter(({ op }) => !Object.keys(op.responses ?? {}).some((status) => /^2\d\d$/.test(status)));
    expect(missing.map((o) => `${o.method} ${o.path}`)).toEqual([]);
  });

  it('the documented schemes match who the guard lets in (foundation routes)', () => {
    // prettier-ignore
    const expected: Record<string, string[]> = {
      'GET /api/me': ['agent', 'board'],
      'POST /api/users': ['board'],
      'GET /api/users': ['board'],
      'POST /api/users/{userId}/keys': ['board'],
      'DELETE /api/board-keys/{keyId}': ['board'],
      'POST /api/companies': ['board'],
      'GET /api/companies': ['board'],
      'GET /api/companies/{companyId}': ['agent', 'board'],
      'PUT /api/companies/{companyId}/members/{userId}': ['board'],
      'GET /api/companies/{companyId}/members': ['board'],
      'POST /api/companies/{companyId}/agents': ['board'],
      'GET /api/companies/{companyId}/agents': ['agent', 'board'],
      'GET /api/agents/{agentId}': ['agent', 'board'],
      'PATCH /api/agents/{agentId}': ['board'],
      'POST /api/agents/{agentId}/keys': ['board'],
      'DELETE /api/agents/{agentId}/keys/{keyId}': ['board'],
      'GET /api/agents/me': ['agent'],
    };
    const documented = Object.fromEntries(
      Object.keys(expected).map((key) => {
        const [method, path] = key.split(' ');
        const op = doc.paths[path]?.[method.toLowerCase()];
        return [key, (op?.security ?? []).flatMap((r) => Object.keys(r)).sort()];
      }),
    );
    expect(documented).toEqual(expected);
  });

  // Issue 14: a board user works in the Swagger UI. A route added without its docs fails here.
  it('every route has one declared tag, a summary, a description saying who may call it, and its errors by the shared ErrorBody', () => {
    const declared = doc.tags.map((t) => t.name);
    expect(declared).toEqual(expect.arrayContaining(['issues', 'ownership', 'runs', 'audit', 'agents', 'companies', 'users', 'health']));
    const offenders: string[] = [];
    for (const { method, path, op } of operations) {
      const problems: string[] = [];
      if (op.tags?.length !== 1 || !declared.includes(op.tags[0])) problems.push(`tags ${JSON.stringify(op.tags)}`);
      if (!op.summary?.trim()) problems.push('no summary');
      if (!op.description?.includes('**Who may call:**')) problems.push('no "Who may call" (no @Access or @Public?)');
      if (!/\*\*Errors:\*\* \d{3} `[a-z_]+`/.test(op.description ?? '')) problems.push('no errors line');
      const errors = Object.entries(op.responses).filter(([status]) => /^[45]\d\d$/.test(status));
      if (errors.length === 0) problems.push('no error response');
      for (const [status, response] of errors) if (refOf(response) !== ERROR_BODY_REF) problems.push(`${status} not ErrorBody`);
      if (problems.length) offenders.push(`${method} ${path}: ${problems.join(', ')}`);
    }
    expect(offenders).toEqual([]);
  });

  it('documents the error body once, as a schema every error response references', () => {
    expect(doc.components.schemas.ErrorBody).toEqual(
      expect.objectContaining({ required: expect.arrayContaining(['error', 'code']), properties: expect.objectContaining({ error: expect.anything(), code: expect.anything(), details: expect.anything() }) }),
    );
    const forceRelease = doc.paths['/api/issues/{id}/admin/force-release'].post;
    expect(forceRelease.tags).toEqual(['ownership']);
    // Derived from @Access({board: 'operator'}): agents are refused, viewers read only, the guard's 404 of the path.
    expect(forceRelease.responses['403'].description).toMatch(/board_required[\s\S]*company_access_denied[\s\S]*read_only_membership[\s\S]*role_required/);
    expect(forceRelease.responses['404'].description).toContain('not_found');
    expect(forceRelease.description).toContain('`operator` role or above');
    expect(doc.paths['/api/issues/{id}/release'].post.responses['409'].description).toContain('not_issue_assignee');
  });

  it('the documented access rule and the security schemes say the same thing', () => {
    const offenders = operations
      .filter(({ op }) => {
        const access = op['x-clasp-access'];
        if (!access) return true;
        const schemes = (op.security ?? []).flatMap((r) => Object.keys(r));
        return Boolean(access.board) !== schemes.includes('board') || Boolean(access.agent) !== schemes.includes('agent');
      })
      .map((o) => `${o.method} ${o.path}`);
    expect(offenders).toEqual([]);
  });

  it('X-Paperclip-Run-Id is a header parameter on exactly the routes agents may call', () => {
    const runIdHeader = (op: Operation) => (op.parameters ?? []).filter((p) => p.in === 'header' && p.name === 'X-Paperclip-Run-Id').length;
    const wrong = operations
      .filter(({ op }) => runIdHeader(op) !== (op['x-clasp-access']?.agent ? 1 : 0))
      .map((o) => `${o.method} ${o.path}`);
    expect(wrong).toEqual([]);
    expect(runIdHeader(doc.paths['/api/issues/{id}/checkout'].post)).toBe(1);
  });

  it('no route asks for a header twice or requires one (the UI would refuse to execute)', () => {
    const wrong = operations
      .filter(({ op }) => {
        const headers = (op.parameters ?? []).filter((p) => p.in === 'header') as { name: string; required?: boolean }[];
        return new Set(headers.map((h) => h.name.toLowerCase())).size !== headers.length || headers.some((h) => h.required);
      })
      .map((o) => `${o.method} ${o.path}`);
    expect(wrong).toEqual([]);
  });

  it('every JSON request body comes with an example the UI pre-fills', () => {
    const missing = operations
      .filter(({ op }) => op.requestBody?.content?.['application/json'] && op.requestBody.content['application/json'].example === undefined)
      .map((o) => `${o.method} ${o.path}`);
    expect(missing).toEqual([]);
  });

  it('the Authorize dialog explains each credential, and the UI keeps it across reloads', async () => {
    const { board, agent } = doc.components.securitySchemes;
    expect(board.description).toMatch(/clasp_board_/);
    expect(agent.description).toMatch(/clasp_agent_[\s\S]*X-Paperclip-Run-Id[\s\S]*run JWT/);
    const init = await t.http().get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toMatch(/"persistAuthorization":\s*true/);
  });

  it('the pre-filled request examples work as they are, sent by the board with the path filled from fresh records', async () => {
    // Checkout names its agent in the body: the one example that needs an id of the user's own.
    const NEEDS_AN_ID = ['POST /api/issues/{id}/checkout'];
    const fresh = async (): Promise<Record<string, string>> => {
      const company = await createCompany(t);
      const agent = await createAgent(t, company.id);
      const user = await createBoardUser(t);
      return { companyId: company.id, agentId: agent.id, userId: user.userId, id: (await seedIssue(t, company)).id, runId: await seedRun(t, agent) };
    };
    const answers: string[] = [];
    for (const { method, path, op } of operations) {
      const example = op.requestBody?.content?.['application/json']?.example;
      if (example === undefined || NEEDS_AN_ID.includes(`${method} ${path}`)) continue;
      const ids = await fresh();
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? `missing-${name}`);
      const res = await t.http()[method.toLowerCase() as 'post'](url).set(bearer(t.adminKey)).send(example as object);
      answers.push(`${method} ${path} → ${res.status}${res.status >= 300 ? ` ${JSON.stringify(res.body)}` : ''}`);
    }
    expect(answers.filter((a) => !/→ 2\d\d$/.test(a))).toEqual([]);
    expect(answers.length).toBeGreaterThanOrEqual(12);
  });
});
