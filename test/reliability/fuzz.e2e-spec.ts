import fc from 'fast-check';
import { Cast, createCast } from '../helpers/callers';
import { databaseFingerprinter, Fingerprint, fingerprintDiff, unexplainedChanges } from '../helpers/db-fingerprint';
import { bearer, createAgent, createAgentKey, createBoardKey, createBoardUser, seedIssue, seedIssueLockedBy, seedRun } from '../helpers/factories';
import { decodeJwtSegment } from '../helpers/jwt-forgery';
import { OpenApiDocument, routeShape } from '../helpers/openapi-shapes';
import { RawResponse, RawSender, rawSender } from '../helpers/raw-request';
import { registeredRoutes } from '../helpers/registered-routes';
import { startTestApp, TestApp } from '../helpers/test-app';
import { createIssue } from '../issues/issue-helpers';
import { FuzzCase, fuzzCase, FuzzPools } from './fuzz-arbitraries';

/**
 * Property tests over every registered route (docs/reliability.md, "Fuzz and authorization"):
 * real and garbage path ids, query strings, credentials, run-id headers and bodies. Whatever is
 * sent: never a 5xx, every /api error is `{error, code}`, undeclared body fields are refused, and a
 * refused request leaves every table as it was. FUZZ_SEED and FUZZ_RUNS replay or widen a run.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const UNKNOWN_FIELD_RUNS = Math.max(200, Math.round(RUNS / 20));

describe(`fuzz: every route, any input (FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})`, () => {
  let t: TestApp;
  let send: RawSender;
  let doc: OpenApiDocument;
  let cast: Cast;
  let pools: FuzzPools;
  let fingerprint: () => Promise<Fingerprint>;
  let sent = 0;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    t = await startTestApp();
    send = rawSender(t.app);
    doc = (await t.http().get('/docs-json').expect(200)).body;
    cast = await createCast(t);
    fingerprint = await databaseFingerprinter(t.db);
    pools = await buildPools(t, cast);
  });
  afterAll(() => t?.close());

  async function sendCase(c: FuzzCase): Promise<RawResponse> {
    sent += 1;
    const res = await send(c.request);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    return res;
  }

  /** The case as failure output shows it: long strings cut, so a 300 kB body does not drown the report. */
  const describeCase = (c: FuzzCase, res: RawResponse) => JSON.parse(JSON.stringify({ route: c.route, request: c.request, status: res.status, body: res.body }, shorten));

  it(`answers ${RUNS} requests without a 5xx, and every refused one changes nothing`, async () => {
    const routes = registeredRoutes(t.app);
    const cases = fc.oneof(...routes.map((route) => fuzzCase(route, routeShape(doc, route), pools)));
    let before = await fingerprint();
    console.log(`fuzz: seed ${SEED}, ${RUNS} runs over ${routes.length} routes (reproduce: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} npx jest test/reliability/fuzz)`);
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const res = await sendCase(c);
        const context = describeCase(c, res);
        expect({ ...context, serverError: res.status >= 500 || res.status === 0 }).toEqual({ ...context, serverError: false });
        if (res.status >= 400 && c.request.path.startsWith('/api') && res.status !== 431) {
          expect({ ...context, shape: [typeof res.body?.error, typeof res.body?.code] }).toEqual({ ...context, shape: ['string', 'string'] });
        }
        if (c.unknownFields.length > 0) expect({ ...context, accepted: res.status < 400 }).toEqual({ ...context, accepted: false });
        const after = await fingerprint();
        if (res.status >= 400) {
          const changed = await unexplainedChanges(t.db, before, after);
          expect({ ...context, changed }).toEqual({ ...context, changed: {} });
        }
        before = after;
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true, reporter: report },
    );
    console.log(`fuzz: ${sent} requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
    expect(sent).toBeGreaterThanOrEqual(RUNS);
  }, 600_000);

  it('refuses an undeclared body field with 400 naming it, for every route with a body, as an authorized caller', async () => {
    const routes = registeredRoutes(t.app).filter((r) => routeShape(doc, r)?.body);
    expect(routes.length).toBeGreaterThan(10);
    const unknown = fc.string({ minLength: 1, maxLength: 16 }).filter((n) => !['__proto__', 'constructor', 'prototype'].includes(n));
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }));
    const cases = fc.tuple(fc.constantFrom(...routes), unknown, value).filter(([r, name]) => !(name in (routeShape(doc, r)?.body ?? {})));
    await fc.assert(
      fc.asyncProperty(cases, async ([route, name, value]) => {
        const request = { method: route.split(' ')[0], path: fillValid(route), headers: bearer(t.adminKey), body: { [name]: value } };
        const before = await fingerprint();
        const res = await send(request);
        sent += 1;
        const fields = (res.body?.details?.problems ?? []).map((p: { field: string }) => p.field);
        expect({ route, name, status: res.status, named: fields.includes(name) }).toEqual({ route, name, status: 400, named: true });
        expect({ route, name, changed: fingerprintDiff(before, await fingerprint()) }).toEqual({ route, name, changed: {} });
      }),
      { seed: SEED, numRuns: UNKNOWN_FIELD_RUNS, endOnFailure: true, reporter: report },
    );
  }, 300_000);

  /** The route's path with ids that exist and that the instance admin may act on. */
  function fillValid(route: string): string {
    return route.split(' ')[1].replace(/:(\w+)/g, (_m, name: string) => pools.ids[name][0]);
  }
});

function shorten(_key: string, value: unknown): unknown {
  return typeof value === 'string' && value.length > 160 ? `${value.slice(0, 80)}…(${value.length} chars)` : value;
}

/** fast-check's report, with the counterexample cut to size and the way to replay it. */
function report<T>(details: fc.RunDetails<T>): void {
  if (!details.failed) return;
  const example = JSON.stringify(details.counterexample, shorten);
  throw new Error(
    `Property failed after ${details.numRuns} runs: replay with FUZZ_SEED=${details.seed} (fast-check path ${details.counterexamplePath ?? "?"})\n` +
      `Counterexample: ${example}\n${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}`,
  );
}

/** Ids of real rows for every path parameter, and every credential of the cast. */
async function buildPools(t: TestApp, cast: Cast): Promise<FuzzPools> {
  const { companyA, companyB, agentA, agentB, runs } = cast;
  // Victims: rows a lucky request may revoke, reassign or finish without blinding the rest of the run.
  const victimAgent = await createAgent(t, companyA.id);
  const victimUser = await createBoardUser(t);
  const boardKeys = [await createBoardKey(t, victimUser.userId), await createBoardKey(t, victimUser.userId)];
  const agentKeys = [await createAgentKey(t, victimAgent.id), await createAgentKey(t, agentA.id)];
  const otherRun = await seedRun(t, agentB, 'running');
  const spareQueued = [await seedRun(t, agentA, 'queued'), await seedRun(t, victimAgent, 'queued')];
  const todo = await createIssue(t, companyA.id, { assigneeAgentId: agentA.id });
  const unassigned = await createIssue(t, companyA.id, { parentId: todo.id });
  const locked = await seedIssueLockedBy(t, companyA, agentA, runs.live);
  const lockedByDead = await seedIssueLockedBy(t, companyA, agentA, runs.dead);
  const otherCompany = await seedIssue(t, companyB, { status: 'todo', assigneeAgentId: agentB.id });
  const comment = await t.http().post(`/api/issues/${todo.id}/comments`).set(bearer(t.adminKey)).send({ body: 'seed' }).expect(201);
  const live = await t.http().post(`/api/heartbeat-runs/${spareQueued[0]}/start`).set(bearer(agentA.key)).expect(200);
  return {
    ids: {
      companyId: [companyA.id, companyB.id],
      agentId: [agentA.id, victimAgent.id, agentB.id],
      userId: [victimUser.userId, cast.userIds.viewer],
      keyId: [...boardKeys, ...agentKeys].map((k) => k.id),
      runId: [runs.live, runs.queued, runs.dead, spareQueued[1], otherRun],
      id: [todo.id, unassigned.id, locked.id, lockedByDead.identifier, otherCompany.id, todo.identifier.toLowerCase()],
      commentId: [comment.body.id],
    },
    tokens: Object.values(cast.headers).map((h) => h.Authorization).filter((v): v is string => Boolean(v)).concat(`Bearer ${live.body.token}`),
    runIds: [runs.live, runs.dead, runs.queued, otherRun, spareQueued[0]],
    jwtSecret: t.config.agentJwtSecret,
    jwtClaims: decodeJwtSegment(live.body.token.split('.')[1]),
  };
}
