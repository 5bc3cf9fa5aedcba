import { randomBytes, randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../helpers/test-app';
import {
  AgentFixture, bearer, BoardUserFixture, createAgent, createAgentKey, createBoardKey, createBoardUser, createCompany, setAgentStatus,
} from '../helpers/factories';

/**
 * Who may call which foundation route (api.md §2). One row per (route, caller); a cell is either
 * the success status or the refusal code, whose status comes from api.md §3 (kept here, not
 * imported from src, so the test checks the contract rather than restating the implementation).
 */

const STATUS_OF: Record<string, number> = {
  validation_failed: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  board_required: 403,
  agent_required: 403,
  company_access_denied: 403,
  read_only_membership: 403,
  role_required: 403,
  not_found: 404,
};

// Legend for the matrix cells.
const B = 'board_required';
const AG = 'agent_required';
const C = 'company_access_denied';
const R = 'role_required';
const V = 'read_only_membership';

type Cell = number | string;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Authenticated callers, in matrix column order. Every board user except `outsider` is about company A. */
const CALLERS = ['agentA', 'agentB', 'viewer', 'operator', 'admin', 'owner', 'outsider', 'suspended', 'instanceAdmin'] as const;
type AuthedCaller = (typeof CALLERS)[number];
/** Callers whose credential must be refused outright, whatever the route. */
const REFUSED_CALLERS = [
  ['noToken', 'unauthenticated'],
  ['garbageToken', 'invalid_credentials'],
  ['revokedBoardKey', 'invalid_credentials'],
  ['revokedAgentKey', 'invalid_credentials'],
] as const;
type Caller = AuthedCaller | (typeof REFUSED_CALLERS)[number][0];

const uniq = () => randomBytes(4).toString('hex');
type Body = () => Record<string, unknown>;
const keyBody: Body = () => ({ name: `k-${uniq()}` });
const userBody: Body = () => ({ email: `m${uniq()}@example.com`, name: 'Matrix user' });
const companyBody: Body = () => ({ name: `Matrix ${uniq()}` });
const agentBody: Body = () => ({ name: `Matrix-${uniq()}` });
const patchBody: Body = () => ({ title: `title ${uniq()}` });
const memberBody: Body = () => ({ role: 'viewer' });

interface RouteSpec {
  method: Method;
  /** `{name}` placeholders are filled at run time (see `placeholder()`). */
  path: string;
  cells: Cell[];
  body?: Body;
}
const route = (method: Method, path: string, cells: Cell[], body?: Body): RouteSpec => ({ method, path, cells, body });

// prettier-ignore
const ROUTES: RouteSpec[] = [
  //                                                                   agentA agentB viewer operator admin owner outsider suspended instAdmin
  route('GET',    '/api/me',                                           [200,  200,   200,   200,     200,  200,  200,     200,      200]),
  route('POST',   '/api/users',                                        [B,    B,     R,     R,       R,    R,    R,       R,        201], userBody),
  route('GET',    '/api/users',                                        [B,    B,     R,     R,       R,    R,    R,       R,        200]),
  route('POST',   '/api/users/{otherUser}/keys',                       [B,    B,     R,     R,       R,    R,    R,       R,        201], keyBody),
  route('DELETE', '/api/board-keys/{freshBoardKey}',                   [B,    B,     R,     R,       R,    R,    R,       R,        200]),
  route('POST',   '/api/companies',                                    [B,    B,     R,     R,       R,    R,    R,       R,        201], companyBody),
  route('GET',    '/api/companies',                                    [B,    B,     200,   200,     200,  200,  200,     200,      200]),
  route('GET',    '/api/companies/{companyA}',                         [200,  C,     200,   200,     200,  200,  C,       C,        200]),
  route('PUT',    '/api/companies/{companyA}/members/{memberTarget}',  [B,    B,     V,     R,       200,  200,  C,       C,        200], memberBody),
  route('GET',    '/api/companies/{companyA}/members',                 [B,    B,     200,   200,     200,  200,  C,       C,        200]),
  route('POST',   '/api/companies/{companyA}/agents',                  [B,    B,     V,     R,       201,  201,  C,       C,        201], agentBody),
  route('GET',    '/api/companies/{companyA}/agents',                  [200,  C,     200,   200,     200,  200,  C,       C,        200]),
  route('GET',    '/api/agents/{agentA2}',                             [200,  C,     200,   200,     200,  200,  C,       C,        200]),
  route('PATCH',  '/api/agents/{agentA2}',                             [B,    B,     V,     R,       200,  200,  C,       C,        200], patchBody),
  route('POST',   '/api/agents/{agentA2}/keys',                        [B,    B,     V,     R,       201,  201,  C,       C,        201], keyBody),
  route('DELETE', '/api/agents/{agentA2}/keys/{freshAgentKey}',        [B,    B,     V,     R,       200,  200,  C,       C,        200]),
  route('GET',    '/api/agents/me',                                    [200,  200,   AG,    AG,      AG,   AG,   AG,      AG,       AG]),
];

interface Row {
  title: string;
  method: Method;
  path: string;
  caller: Caller;
  body?: Body;
  /** Placeholder values that replace the fixtures' (unknown or malformed ids). */
  overrides?: Record<string, string>;
  status: number;
  code?: string;
}

function expectation(cell: Cell): Pick<Row, 'status' | 'code'> {
  if (typeof cell === 'number') return { status: cell };
  if (!(cell in STATUS_OF)) throw new Error(`unknown code in matrix: ${cell}`);
  return { status: STATUS_OF[cell], code: cell };
}

const describeCell = (r: Pick<Row, 'status' | 'code'>) => (r.code ? `${r.status} ${r.code}` : `${r.status}`);

const matrixRows: Row[] = ROUTES.flatMap((spec) => {
  if (spec.cells.length !== CALLERS.length) throw new Error(`${spec.method} ${spec.path}: ${spec.cells.length} cells`);
  const authed = CALLERS.map((caller, i) => ({ ...spec, caller, ...expectation(spec.cells[i]) }));
  const refused = REFUSED_CALLERS.map(([caller, code]) => ({ ...spec, caller, ...expectation(code) }));
  return [...refused, ...authed].map((r) => ({ ...r, title: `${r.method} ${r.path} as ${r.caller} → ${describeCell(r)}` }));
});

/** Every id in every path: unknown-but-well-formed → 404, malformed → 400 (asked by the instance admin). */
const idRows: Row[] = ROUTES.flatMap((spec) =>
  [...spec.path.matchAll(/\{(\w+)\}/g)].flatMap(([, name]) => [
    { ...spec, caller: 'instanceAdmin' as const, overrides: { [name]: randomUUID() }, status: 404, code: 'not_found', title: `${spec.method} ${spec.path} with unknown ${name} → 404 not_found` },
    { ...spec, caller: 'instanceAdmin' as const, overrides: { [name]: 'not-a-uuid' }, status: 400, code: 'validation_failed', title: `${spec.method} ${spec.path} with malformed ${name} → 400 validation_failed` },
  ]),
);

/** Cells that depend on more than role: the 404-before-403 order, and users acting on their own keys. */
// prettier-ignore
const extraRows: Row[] = [
  { method: 'GET',    path: '/api/companies/{unknown}',          caller: 'agentB',   status: 404, code: 'not_found' },
  { method: 'GET',    path: '/api/agents/{unknown}',             caller: 'outsider', status: 404, code: 'not_found' },
  { method: 'PATCH',  path: '/api/agents/{unknown}',             caller: 'viewer',   status: 404, code: 'not_found', body: patchBody },
  { method: 'POST',   path: '/api/users/{viewerUser}/keys',      caller: 'viewer',   status: 201, body: keyBody },
  { method: 'DELETE', path: '/api/board-keys/{viewerOwnKey}',    caller: 'viewer',   status: 200 },
  { method: 'POST',   path: '/api/users/{viewerUser}/keys',      caller: 'operator', status: 403, code: 'role_required', body: keyBody },
  { method: 'DELETE', path: '/api/board-keys/{viewerOwnKey}',    caller: 'operator', status: 403, code: 'role_required' },
].map((r) => ({ ...r, title: `${r.method} ${r.path} as ${r.caller} → ${describeCell(r)}` })) as Row[];

describe('authorization matrix (api.md §2)', () => {
  let t: TestApp;
  const tokens = {} as Record<Caller, string | undefined>;
  const ids: Record<string, string> = {};
  let viewer: BoardUserFixture;
  let agentA2: AgentFixture;

  beforeAll(async () => {
    t = await startTestApp();
    const companyA = await createCompany(t, 'Alpha Matrix');
    const companyB = await createCompany(t, 'Beta Matrix');
    const agentA = await createAgent(t, companyA.id);
    const agentB = await createAgent(t, companyB.id);
    agentA2 = await createAgent(t, companyA.id);
    viewer = await createBoardUser(t, companyA.id, 'viewer');
    const operator = await createBoardUser(t, companyA.id, 'operator');
    const admin = await createBoardUser(t, companyA.id, 'admin');
    const owner = await createBoardUser(t, companyA.id, 'owner');
    const outsider = await createBoardUser(t, companyB.id, 'owner');
    const suspended = await createBoardUser(t, companyA.id, 'admin', 'suspended');
    const other = await createBoardUser(t);
    const memberTarget = await createBoardUser(t);

    const revokedBoard = await createBoardKey(t, operator.userId);
    await t.http().delete(`/api/board-keys/${revokedBoard.id}`).set(bearer(t.adminKey)).expect(200);
    const revokedAgent = await createAgentKey(t, agentA.id);
    await t.http().delete(`/api/agents/${agentA.id}/keys/${revokedAgent.id}`).set(bearer(t.adminKey)).expect(200);

    Object.assign(tokens, {
      noToken: undefined,
      garbageToken: 'definitely-not-a-credential',
      revokedBoardKey: revokedBoard.token,
      revokedAgentKey: revokedAgent.token,
      agentA: agentA.key,
      agentB: agentB.key,
      viewer: viewer.key,
      operator: operator.key,
      admin: admin.key,
      owner: owner.key,
      outsider: outsider.key,
      suspended: suspended.key,
      instanceAdmin: t.adminKey,
    });
    Object.assign(ids, {
      companyA: companyA.id,
      agentA2: agentA2.id,
      otherUser: other.userId,
      memberTarget: memberTarget.userId,
      viewerUser: viewer.userId,
    });
  });
  afterAll(() => t?.close());

  /** Fixtures that a successful call consumes are made fresh for every row. */
  async function placeholder(name: string): Promise<string> {
    switch (name) {
      case 'freshBoardKey':
        return (await createBoardKey(t, ids.otherUser)).id;
      case 'freshAgentKey':
        return (await createAgentKey(t, agentA2.id)).id;
      case 'viewerOwnKey':
        return (await createBoardKey(t, viewer.userId, viewer.key)).id;
      case 'unknown':
        return randomUUID();
      default:
        if (!ids[name]) throw new Error(`no fixture for {${name}}`);
        return ids[name];
    }
  }

  async function call(row: Row) {
    let path = row.path;
    for (const [, name] of row.path.matchAll(/\{(\w+)\}/g)) {
      path = path.replace(`{${name}}`, row.overrides?.[name] ?? (await placeholder(name)));
    }
    const http = t.http();
    let req = row.method === 'GET' ? http.get(path) : row.method === 'POST' ? http.post(path) : row.method === 'PUT' ? http.put(path) : row.method === 'PATCH' ? http.patch(path) : http.delete(path);
    const token = tokens[row.caller];
    if (token !== undefined) req = req.set(bearer(token));
    if (row.body) req = req.send(row.body());
    return req;
  }

  async function check(row: Row) {
    const res = await call(row);
    const seen = { status: res.status, code: res.body?.code };
    expect(seen).toEqual({ status: row.status, code: row.code });
    if (row.code) {
      expect(typeof res.body.error).toBe('string');
    } else {
      expect(res.body).toEqual(expect.anything());
    }
  }

  it.each(matrixRows.map((r) => [r.title, r] as const))('%s', (_title, row) => check(row));
  it.each(idRows.map((r) => [r.title, r] as const))('%s', (_title, row) => check(row));
  it.each(extraRows.map((r) => [r.title, r] as const))('%s', (_title, row) => check(row));

  it('a terminated agent\'s key stops working (401 invalid_credentials)', async () => {
    const doomed = await createAgent(t, ids.companyA);
    await t.http().get('/api/agents/me').set(bearer(doomed.key)).expect(200);
    await setAgentStatus(t, doomed.id, 'terminated');
    for (const path of ['/api/agents/me', '/api/me', `/api/companies/${ids.companyA}`]) {
      const res = await t.http().get(path).set(bearer(doomed.key));
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 401, code: 'invalid_credentials' });
    }
  });

  it('a paused agent keeps its credentials (only terminated agents are locked out)', async () => {
    const paused = await createAgent(t, ids.companyA);
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

  it('the matrix covers every foundation route for every caller', () => {
    expect(ROUTES).toHaveLength(17);
    expect(matrixRows).toHaveLength(17 * (CALLERS.length + REFUSED_CALLERS.length));
  });
});
