import fc from 'fast-check';
import { forgeJwt } from '../helpers/jwt-forgery';
import type { FieldSchema, RouteShape } from '../helpers/openapi-shapes';
import type { RawRequest } from '../helpers/raw-request';
import { methodOf, pathParams, RouteKey } from '../helpers/registered-routes';

/** What the generators draw real values from: ids that exist, credentials that work. */
export interface FuzzPools {
  /** Path parameter name → ids that exist (e.g. `companyId` → both companies). */
  ids: Record<string, string[]>;
  /** Authorization header values that are accepted. */
  tokens: string[];
  /** Run ids of every kind: live, dead, queued, another agent's. */
  runIds: string[];
  /** The JWT secret, to forge tokens with broken claims that still verify. */
  jwtSecret: string;
  /** Claims of a real run JWT, for forgeries that differ from it in one or two claims. */
  jwtClaims: Record<string, unknown>;
}

/** Characters Node lets a client put in a header value. */
const headerChar = fc.mapToConstant({ num: 95, build: (v) => String.fromCharCode(0x20 + v) }, { num: 128, build: (v) => String.fromCharCode(0x80 + v) });
const headerText = (maxLength = 60) => fc.string({ unit: headerChar, maxLength });
const huge = (min: number, max: number) => fc.integer({ min, max }).chain((n) => fc.constantFrom('a', '0', '-', '%', 'é').map((c) => c.repeat(n)));
const uuid = fc.uuid({ version: [4] });

/** Strings that break parsers: odd numbers, path tricks, SQL, unicode, lengths around limits. */
const nasty = fc.oneof(
  fc.constantFrom(
    '', ' ', '0', '-1', '1e309', 'NaN', 'null', 'undefined', 'true', '[]', '{}', '..', '.', "'", '"', "' OR 1=1 --", '\u0000', '\ud800',
    '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'PAP-1', 'ZZZ-99999999999999999999', 'a-1', '__proto__', 'constructor',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  huge(200, 3000),
);

/** Percent-encodes the UTF-8 bytes of `s` (lone surrogates become U+FFFD rather than throwing). */
const encode = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

/** A path segment: a real id, a random uuid, garbage (encoded), or a broken percent-escape (raw). */
function pathSegment(pools: FuzzPools, name: string) {
  const real = pools.ids[name] ?? [];
  return fc.oneof(
    { weight: 6, arbitrary: real.length ? fc.constantFrom(...real).map(encode) : uuid },
    { weight: 1, arbitrary: uuid },
    { weight: 1, arbitrary: uuid.map((u) => u.toUpperCase()) },
    { weight: 2, arbitrary: nasty.map(encode).filter((s) => s.length > 0) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%FF', '%E0%A4%A', '%00', '..%2F..%2Fetc', '%2e%2e') },
  );
}

function valueFor(schema: FieldSchema, pools: FuzzPools, strict = false): fc.Arbitrary<unknown> {
  const garbage = fc.oneof(fc.jsonValue({ maxDepth: 2 }), nasty, fc.constant(null));
  let typed: fc.Arbitrary<unknown>;
  if (schema.enum?.length) typed = fc.constantFrom(...schema.enum);
  else if (schema.format === 'uuid') typed = fc.oneof(fc.constantFrom(...Object.values(pools.ids).flat()), uuid);
  else if (schema.format === 'date-time') typed = fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  else if (schema.type === 'integer' || schema.type === 'number') typed = fc.oneof(fc.integer(), fc.double());
  else if (schema.type === 'boolean') typed = fc.boolean();
  else if (schema.type === 'array') typed = fc.array(valueFor(schema.items ?? {}, pools, strict), { maxLength: 4 });
  else if (schema.type === 'object') typed = fc.dictionary(fc.constantFrom('issueId', 'x', 'nested'), garbage, { maxKeys: 3 });
  else typed = fc.string({ minLength: 1, maxLength: 30 });
  if (strict) return typed;
  return fc.oneof({ weight: 9, arbitrary: typed }, { weight: 1, arbitrary: garbage });
}

export interface FuzzCase {
  route: RouteKey;
  request: RawRequest;
  /** Body fields the route does not declare (the request must then be refused). */
  unknownFields: string[];
}

const unknownName = (declared: Record<string, FieldSchema>) =>
  fc.oneof(fc.constantFrom('notAField', 'id', 'companyId', 'createdAt', 'isInstanceAdmin', 'agentID'), fc.string({ minLength: 1, maxLength: 12 }))
    .filter((n) => !(n in declared) && !['__proto__', 'constructor', 'prototype'].includes(n));

type FuzzBody = { body?: string | object; unknownFields: string[] };
const noBody = fc.constant<FuzzBody>({ unknownFields: [] });

function bodyArb(shape: RouteShape | undefined, pools: FuzzPools): fc.Arbitrary<FuzzBody> {
  const declared = shape?.body;
  const raw = fc.oneof(
    fc.constantFrom('{', '{"a":', 'null', '[]', '"text"', '1', 'true', '{"title":"x",}', '[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]'),
    fc.string({ maxLength: 50 }),
    fc.integer({ min: 200, max: 20000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
    fc.integer({ min: 50_000, max: 300_000 }).map((n) => JSON.stringify({ title: 'x'.repeat(n) })),
  ).map((body) => ({ body, unknownFields: [] as string[] }));
  if (!declared) return fc.oneof({ weight: 4, arbitrary: noBody }, { weight: 1, arbitrary: raw });
  const names = Object.keys(declared);
  const known = names.length
    ? fc.record(Object.fromEntries(names.map((n) => [n, valueFor(declared[n], pools)])), { requiredKeys: [] })
    : fc.constant({});
  // Well-typed values only, so more requests get past validation into the services.
  const typed = names.length
    ? fc.record(Object.fromEntries(names.map((n) => [n, valueFor(declared[n], pools, true)])), { requiredKeys: [] })
    : fc.constant({});
  const extra = fc.dictionary(unknownName(declared), fc.jsonValue({ maxDepth: 1 }), { minKeys: 1, maxKeys: 2 });
  return fc.oneof(
    { weight: 4, arbitrary: known.map((body) => ({ body, unknownFields: [] as string[] })) },
    { weight: 4, arbitrary: typed.map((body) => ({ body, unknownFields: [] as string[] })) },
    { weight: 2, arbitrary: fc.tuple(known, extra).map(([k, e]) => ({ body: { ...k, ...e }, unknownFields: Object.keys(e) })) },
    { weight: 1, arbitrary: raw },
    { weight: 1, arbitrary: noBody },
  );
}

function queryArb(shape: RouteShape | undefined, pools: FuzzPools): fc.Arbitrary<string> {
  const names = Object.keys(shape?.query ?? {});
  const value = (name?: string) => fc.oneof(name ? valueFor(shape!.query[name], pools).map((v) => String(typeof v === 'object' ? JSON.stringify(v) : v)) : nasty, nasty);
  const pair = fc.oneof(
    ...(names.length ? [{ weight: 4, arbitrary: fc.constantFrom(...names).chain((n) => value(n).map((v) => `${encode(n)}=${encode(v)}`)) }] : []),
    { weight: 1, arbitrary: fc.tuple(nasty, nasty).map(([k, v]) => `${encode(k)}=${encode(v)}`) },
    { weight: 1, arbitrary: fc.constantFrom('a[b]=1', 'limit[]=1', '=', '&', '%ZZ=1', 'limit', 'status=%', 'limit=1&limit=2') },
  );
  return fc.array(pair, { maxLength: 4 }).map((pairs) => (pairs.length ? `?${pairs.join('&')}` : ''));
}

function authorizationArb(pools: FuzzPools): fc.Arbitrary<string | string[] | undefined> {
  const claims = (over: Record<string, unknown>) => ({ ...pools.jwtClaims, ...over });
  return fc.oneof(
    { weight: 24, arbitrary: fc.constantFrom(...pools.tokens) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: headerText() },
    { weight: 1, arbitrary: headerText().map((s) => `Bearer ${s}`) },
    { weight: 1, arbitrary: fc.constantFrom(...pools.tokens).map((tok) => `bearer   ${tok.slice(7)}  `) },
    { weight: 1, arbitrary: fc.constantFrom('Bearer', 'Bearer ', 'Basic YTpi', 'Bearer a.b.c', 'Bearer clasp_board_', 'Bearer clasp_agent_zz', 'Bearer ..', 'Bearer e30.e30.') },
    { weight: 1, arbitrary: fc.tuple(fc.jsonValue({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 1 })).map(([h, p]) => `Bearer ${forgeJwt(h, p, pools.jwtSecret)}`) },
    { weight: 1, arbitrary: fc.constantFrom({ alg: 'none' }, { alg: 'HS512' }, { alg: 'HS256', typ: 'JWT' }).chain((h) => fc.dictionary(fc.constantFrom('sub', 'company_id', 'run_id', 'exp', 'iss', 'aud'), fc.jsonValue({ maxDepth: 0 })).map((over) => `Bearer ${forgeJwt(h, claims(over), h.alg === 'none' ? null : pools.jwtSecret)}`)) },
    { weight: 1, arbitrary: huge(1000, 12000).map((s) => `Bearer ${s}`) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom(...pools.tokens), { minLength: 2, maxLength: 3 }) },
  );
}

function runIdArb(pools: FuzzPools): fc.Arbitrary<string | string[] | undefined> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: fc.constantFrom(...pools.runIds) },
    { weight: 1, arbitrary: uuid },
    { weight: 1, arbitrary: fc.constantFrom(...pools.runIds).map((r) => ` ${r.toUpperCase()} `) },
    { weight: 2, arbitrary: headerText() },
    { weight: 1, arbitrary: huge(500, 12000) },
    { weight: 2, arbitrary: fc.array(fc.oneof(fc.constantFrom(...pools.runIds), uuid, headerText(10)), { minLength: 2, maxLength: 4 }) },
  );
}

const optionalHeader = (arb: fc.Arbitrary<string>) => fc.option(arb, { nil: undefined, freq: 3 });

/** One request to `route`: path, query, headers and body each drawn from real values and garbage. */
/** The parts of a request the generators draw, before they are put together. */
type Parts = {
  segments: string[];
  query: string;
  authorization: string | string[] | undefined;
  runId: string | string[] | undefined;
  idempotencyKey?: string;
  prefer?: string;
  contentType?: string;
  lastEventId?: string;
  body: FuzzBody;
};

/**
 * One request to `route`: path, query, headers and body each drawn from real values and garbage;
 * one in three is a plausible request (real ids, a working credential, a well-typed body), so the
 * services behind validation get their share of odd but valid input too.
 */
export function fuzzCase(route: RouteKey, shape: RouteShape | undefined, pools: FuzzPools): fc.Arbitrary<FuzzCase> {
  const path = route.slice(route.indexOf(' ') + 1);
  const params = pathParams(route);
  const wild: fc.Arbitrary<Parts> = fc.record({
    segments: params.length ? fc.tuple(...params.map((name) => pathSegment(pools, name))) : fc.constant([] as string[]),
    query: queryArb(shape, pools),
    authorization: authorizationArb(pools),
    runId: runIdArb(pools),
    idempotencyKey: optionalHeader(fc.oneof(headerText(), huge(300, 5000))),
    prefer: optionalHeader(fc.oneof(fc.constant('return=minimal'), headerText(20))),
    contentType: optionalHeader(fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'multipart/form-data', 'garbage')),
    lastEventId: optionalHeader(fc.oneof(headerText(20), uuid)),
    body: bodyArb(shape, pools),
  }, { requiredKeys: ['segments', 'query', 'authorization', 'runId', 'body'] });
  const real = (name: string) => (pools.ids[name]?.length ? fc.constantFrom(...pools.ids[name]) : uuid).map(encode);
  const plausible: fc.Arbitrary<Parts> = fc.record({
    segments: params.length ? fc.tuple(...params.map(real)) : fc.constant([] as string[]),
    query: fc.constant(''),
    authorization: fc.constantFrom(...pools.tokens),
    runId: fc.option(fc.constantFrom(...pools.runIds), { nil: undefined }),
    body: shape?.body ? bodyArb(shape, pools).filter((b) => typeof b.body === 'object') : noBody,
  });
  return fc.oneof({ weight: 2, arbitrary: wild }, { weight: 1, arbitrary: plausible }).map((c) => {
    let i = 0;
    const filled = path.replace(/:(\w+)/g, () => c.segments[i++]);
    const headers: Record<string, string | string[]> = {};
    const put = (name: string, value: string | string[] | undefined) => value !== undefined && (headers[name] = value);
    put('authorization', c.authorization);
    put('x-paperclip-run-id', c.runId);
    put('idempotency-key', c.idempotencyKey);
    put('prefer', c.prefer);
    put('last-event-id', c.lastEventId);
    if (c.body.body !== undefined) put('content-type', c.contentType);
    return { route, request: { method: methodOf(route), path: filled + c.query, headers, body: c.body.body }, unknownFields: c.contentType ? [] : c.body.unknownFields };
  });
}
