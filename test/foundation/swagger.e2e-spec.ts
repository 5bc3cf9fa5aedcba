import { startTestApp, TestApp } from '../helpers/test-app';

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
}
type OpenApi = {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
};

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
});
