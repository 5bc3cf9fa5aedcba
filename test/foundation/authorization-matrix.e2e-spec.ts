import { randomUUID } from 'node:crypto';
import { CALLER_KINDS, CallerKind, Cast, createCast, REFUSED_KINDS } from '../helpers/callers';
import { RawSender, rawSender } from '../helpers/raw-request';
import { fillPath, methodOf, pathParams, registeredRoutes, RouteKey } from '../helpers/registered-routes';
import { startTestApp, TestApp } from '../helpers/test-app';
import { FixtureName, matrixFixtures, Target } from './matrix-fixtures';

/**
 * Who may call which route (api.md §2, ownership.md §4 and §8): every route the app registers —
 * read from its router at run time — × every kind of caller → the status and code expected. A
 * route without an entry, or an entry without a route, fails. A cell is the success status or the
 * refusal code, whose status comes from api.md §3 (kept here, so the test checks the contract
 * rather than restating the implementation). MATRIX_PRINT=1 prints what each route answers, in
 * the table's format, to start an entry for a new route (then check every cell against the spec).
 */
const STATUS_OF: Record<string, number> = {
  validation_failed: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  run_id_required: 401,
  board_required: 403,
  agent_required: 403,
  company_access_denied: 403,
  read_only_membership: 403,
  role_required: 403,
  run_not_owned: 403,
  not_found: 404,
  run_not_live: 409,
  run_state_conflict: 409,
};

// Legend for the matrix cells.
const B = 'board_required';
const AG = 'agent_required';
const C = 'company_access_denied';
const R = 'role_required';
const V = 'read_only_membership';
const NL = 'run_not_live';
const RR = 'run_id_required';

type Cell = number | string;

/** Columns of a row: every caller kind except those refused outright (REFUSED_KINDS). */
const COLUMNS = CALLER_KINDS.filter((k) => !(REFUSED_KINDS as readonly string[]).includes(k)) as Exclude<CallerKind, (typeof REFUSED_KINDS)[number]>[];

interface Entry {
  fixture: FixtureName;
  /** One cell per COLUMNS caller; a public route answers every caller alike. */
  cells: Cell[] | { public: Cell };
}
const row = (fixture: FixtureName, cells: Cell[]): Entry => ({ fixture, cells });
const open = (cell: Cell = 200, fixture: FixtureName = 'none'): Entry => ({ fixture, cells: { public: cell } });

// prettier-ignore
const MATRIX: Record<RouteKey, Entry> = {
  // columns (COLUMNS):                                                   otherAgent, otherBoard, suspended, viewer, operator, admin, owner, instanceAdmin, agentKey, agentLiveRun, agentDeadRun, agentQueuedRun
  'GET /docs/swagger-ui-init.js': open(),
  'GET /docs/docs/swagger-ui-init.js': open(),
  'GET /docs': open(),
  'GET /docs/index.html': open(),
  'GET /docs/LICENSE': open('not_found'),
  'GET /docs/': open(),
  'GET /docs-json': open(),
  'GET /docs-yaml': open(),
  'GET /api/health': open(),
  'GET /api/health/live': open(),
  'GET /api/health/ready': open(),
  'GET /metrics': open(),
  'GET /api/me':                                        row('none',             [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  'POST /api/users':                                    row('newUser',          [B  , R  , R  , R  , R  , R  , R  , 201, B  , B  , B  , B]),
  'GET /api/users':                                     row('none',             [B  , R  , R  , R  , R  , R  , R  , 200, B  , B  , B  , B]),
  'POST /api/users/:userId/keys':                       row('userKey',          [B  , R  , R  , R  , R  , R  , R  , 201, B  , B  , B  , B]),
  'DELETE /api/board-keys/:keyId':                      row('boardKey',         [B  , R  , R  , R  , R  , R  , R  , 200, B  , B  , B  , B]),
  'POST /api/companies':                                row('newCompany',       [B  , R  , R  , R  , R  , R  , R  , 201, B  , B  , B  , B]),
  'GET /api/companies':                                 row('none',             [B  , 200, 200, 200, 200, 200, 200, 200, B  , B  , B  , B]),
  'GET /api/companies/:companyId':                      row('company',          [C  , C  , C  , 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  'PUT /api/companies/:companyId/members/:userId':      row('member',           [B  , C  , C  , V  , R  , 200, 200, 200, B  , B  , B  , B]),
  'GET /api/companies/:companyId/members':              row('company',          [B  , C  , C  , 200, 200, 200, 200, 200, B  , B  , B  , B]),
  'GET /api/agents/me':                                 row('none',             [200, AG , AG , AG , AG , AG , AG , AG , 200, 200, 200, 200]),
  'POST /api/companies/:companyId/agents':              row('newAgent',         [B  , C  , C  , V  , R  , 201, 201, 201, B  , B  , B  , B]),
  'GET /api/companies/:companyId/agents':               row('company',          [C  , C  , C  , 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  'GET /api/agents/:agentId':                           row('agent',            [C  , C  , C  , 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  'PATCH /api/agents/:agentId':                         row('agentPatch',       [B  , C  , C  , V  , R  , 200, 200, 200, B  , B  , B  , B]),
  'POST /api/agents/:agentId/keys':                     row('agentNewKey',      [B  , C  , C  , V  , R  , 201, 201, 201, B  , B  , B  , B]),
  'DELETE /api/agents/:agentId/keys/:keyId':            row('agentKey',         [B  , C  , C  , V  , R  , 200, 200, 200, B  , B  , B  , B]),
  'POST /api/agents/:agentId/heartbeat/invoke':         row('invoke',           [C  , C  , C  , V  , 202, 202, 202, 202, 202, 202, NL , NL]),
  'POST /api/agents/:agentId/wakeup':                   row('invoke',           [C  , C  , C  , V  , 202, 202, 202, 202, 202, 202, NL , NL]),
  'POST /api/heartbeat-runs/:runId/start':              row('queuedRun',        [C  , C  , C  , V  , 200, 200, 200, 200, 200, 200, 200, 200]),
  'POST /api/heartbeat-runs/:runId/heartbeat':          row('runningRun',       [C  , AG , AG , AG , AG , AG , AG , AG , 200, 200, 200, 200]),
  'POST /api/heartbeat-runs/:runId/finish':             row('finishRun',        [C  , C  , C  , V  , 200, 200, 200, 200, 200, 200, 200, 200]),
  'POST /api/heartbeat-runs/:runId/cancel':             row('runningRun',       [B  , C  , C  , V  , 200, 200, 200, 200, B  , B  , B  , B]),
  'GET /api/heartbeat-runs/:runId':                     row('run',              [C  , C  , C  , 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  'GET /api/companies/:companyId/heartbeat-runs':       row('company',          [C  , C  , C  , 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  'GET /api/issues/:id/runs':                           row('issue',            [C  , C  , C  , 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  'GET /api/issues/:id/active-run':                     row('issue',            [C  , C  , C  , 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  'GET /api/issues/:id/live-runs':                      row('issue',            [C  , C  , C  , 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  'GET /api/companies/:companyId/live-runs':            row('company',          [C  , C  , C  , 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  'GET /api/agents/me/inbox-lite':                      row('none',             [200, AG , AG , AG , AG , AG , AG , AG , 200, 200, 200, 200]),
  'POST /api/companies/:companyId/issues':              row('newIssue',         [C  , C  , C  , V  , 201, 201, 201, 201, 201, 201, NL , NL]),
  'GET /api/companies/:companyId/issues':               row('company',          [C  , C  , C  , 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  'GET /api/issues/:id':                                row('issue',            [C  , C  , C  , 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  'PATCH /api/issues/:id':                              row('issuePatch',       [C  , C  , C  , V  , 200, 200, 200, 200, 200, 200, NL , NL]),
  'POST /api/issues/:id/checkout':                      row('issueCheckout',    [C  , C  , C  , V  , 200, 200, 200, 200, RR , 200, NL , NL]),
  'POST /api/issues/:id/release':                       row('issueHeld',        [C  , C  , C  , V  , 200, 200, 200, 200, RR , 200, NL , NL]),
  'POST /api/issues/:id/admin/force-release':           row('issueHeldByOwnRun',[B  , C  , C  , V  , 200, 200, 200, 200, B  , B  , B  , B]),
  'GET /api/issues/:id/comments':                       row('issue',            [C  , C  , C  , 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  'POST /api/issues/:id/comments':                      row('issueComment',     [C  , C  , C  , V  , 201, 201, 201, 201, 201, 201, NL , NL]),
  'GET /api/issues/:id/comments/:commentId':            row('comment',          [C  , C  , C  , 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  'GET /api/issues/:id/heartbeat-context':              row('issue',            [C  , C  , C  , 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  'GET /api/issues/:id/activity':                       row('issue',            [C  , C  , C  , 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  'GET /api/companies/:companyId/activity':             row('company',          [B  , C  , C  , 200, 200, 200, 200, 200, B  , B  , B  , B]),
  'GET /api/companies/:companyId/events':               row('company',          [C  , C  , C  , 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  'GET /api/companies/:companyId/locks':                row('company',          [B  , C  , C  , 200, 200, 200, 200, 200, B  , B  , B  , B]),
};

const EXPECTED_ORDER = 'otherAgent otherBoard suspended viewer operator admin owner instanceAdmin agentKey agentLiveRun agentDeadRun agentQueuedRun';

interface Call {
  route: RouteKey;
  caller: CallerKind;
  fixture: FixtureName;
  overrides?: Record<string, string>;
  expected: { status: number; code?: string };
}

function expectation(cell: Cell): Call['expected'] {
  if (typeof cell === 'number') return { status: cell };
  if (!(cell in STATUS_OF)) throw new Error(`unknown code in matrix: ${cell}`);
  return { status: STATUS_OF[cell], code: cell };
}

function callsOf(route: RouteKey, entry: Entry): Call[] {
  const { cells, fixture } = entry;
  if (!Array.isArray(cells)) return CALLER_KINDS.map((caller) => ({ route, caller, fixture, expected: expectation(cells.public) }));
  if (cells.length !== COLUMNS.length) throw new Error(`${route}: ${cells.length} cells, ${COLUMNS.length} columns`);
  return [
    ...REFUSED_KINDS.map((caller) => ({ route, caller, fixture, expected: expectation(caller === 'none' ? 'unauthenticated' : 'invalid_credentials') })),
    ...COLUMNS.map((caller, i) => ({ route, caller, fixture, expected: expectation(cells[i]) })),
  ];
}

const title = (c: Call) => `${c.route} as ${c.caller}${c.overrides ? ` with ${JSON.stringify(c.overrides)}` : ''} → ${c.expected.status}${c.expected.code ? ` ${c.expected.code}` : ''}`;

const PRINT = Boolean(process.env.MATRIX_PRINT);
const matrixCalls = PRINT ? [] : Object.entries(MATRIX).flatMap(([route, entry]) => callsOf(route, entry));

/** The first caller a row lets through: the one that asks with a wrong id. */
const allowedCaller = (cells: Cell[]) => COLUMNS[cells.findIndex((c) => typeof c === 'number' && c < 300)];

/** Every id in every path, asked by a caller the row lets through: unknown-but-well-formed → 404, malformed → 400 (api.md §3). */
const idCalls: Call[] = PRINT ? [] : Object.entries(MATRIX).flatMap(([route, { fixture, cells }]) =>
  !Array.isArray(cells) ? [] : pathParams(route).flatMap((name) => [
    { route, fixture, caller: allowedCaller(cells), overrides: { [name]: randomUUID() }, expected: expectation('not_found') },
    { route, fixture, caller: allowedCaller(cells), overrides: { [name]: 'not-a-uuid' }, expected: expectation('validation_failed') },
  ]),
);

describe('authorization matrix (api.md §2, from the router)', () => {
  let t: TestApp;
  let cast: Cast;
  let send: RawSender;
  let fixtures: ReturnType<typeof matrixFixtures>;

  beforeAll(async () => {
    t = await startTestApp();
    cast = await createCast(t);
    send = rawSender(t.app);
    fixtures = matrixFixtures(t, cast);
  });
  afterAll(() => t?.close());

  async function call(c: { route: RouteKey; fixture: FixtureName; caller: CallerKind; overrides?: Record<string, string> }) {
    const target: Target = await fixtures[c.fixture]();
    const path = fillPath(c.route, { ...target.params, ...c.overrides }) + (target.query ?? '');
    return send({ method: methodOf(c.route), path, headers: cast.headers[c.caller], body: target.body });
  }

  async function check(c: Call) {
    const res = await call(c);
    const seen = { status: res.status, code: res.body?.code };
    expect({ call: title(c), ...seen }).toEqual({ call: title(c), status: c.expected.status, code: c.expected.code });
    if (c.expected.code) expect(typeof res.body.error).toBe('string');
  }

  it('has an entry for every route the app registers, and no entry for a route it does not', () => {
    const registered = registeredRoutes(t.app).sort();
    expect({ missing: registered.filter((r) => !MATRIX[r]), stale: Object.keys(MATRIX).filter((r) => !registered.includes(r)) }).toEqual({ missing: [], stale: [] });
    expect(COLUMNS.join(' ')).toBe(EXPECTED_ORDER);
  });

  if (PRINT) {
    it('prints what every route answers, as matrix rows', async () => {
      const lines: string[] = [];
      for (const route of registeredRoutes(t.app)) {
        const fixture = MATRIX[route]?.fixture ?? 'none';
        const cells: string[] = [];
        for (const caller of COLUMNS) {
          const res = await call({ route, fixture, caller }).catch((e: Error) => ({ status: 0, body: { code: e.message } }));
          cells.push(res.status < 300 ? String(res.status) : `'${res.body?.code ?? res.status}'`);
        }
        lines.push(`  '${route}': row('${fixture}', [${cells.join(', ')}]),`);
      }
      console.log(lines.join('\n'));
    }, 300_000);
  }

  it.each(matrixCalls.map((c) => [title(c), c] as const))('%s', (_title, c) => check(c));
  it.each(idCalls.map((c) => [title(c), c] as const))('%s', (_title, c) => check(c));
});
