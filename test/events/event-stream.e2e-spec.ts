import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { api, buildServer, freePort, ROOT, Server, sleep, spawnServer, stopAllServers, url, waitHealthy } from '../helpers/server-process';
import { createTestDatabase, poolFor } from '../helpers/test-database';
import { openSse, SseConnection } from './sse-client';

/**
 * The live event stream across two real server processes sharing one database (issue 12):
 * delivery through LISTEN/NOTIFY, replay with Last-Event-ID, rows that commit out of seq order,
 * and who may subscribe.
 */

const BUILD_DIR = join(ROOT, '.test-data', `events-build-${process.pid}-${randomBytes(3).toString('hex')}`);
const BOARD_KEY = `clasp_board_${randomBytes(24).toString('hex')}`;

jest.setTimeout(240_000);

describe('GET /api/companies/:companyId/events', () => {
  let database: { url: string; drop(): Promise<void> };
  let db: Pool;
  let dataDir: string;
  let one: Server;
  let two: Server;
  let companyId: string;
  let otherCompanyId: string;
  let agentKey: string;
  let outsiderKey: string;
  const open: SseConnection[] = [];

  const stream = async (server: Server, query = '', key = BOARD_KEY, headers: Record<string, string> = {}) => {
    const connection = await openSse(url(server, `/api/companies/${companyId}/events${query}`), { Authorization: `Bearer ${key}`, ...headers });
    open.push(connection);
    return connection;
  };
  const createIssue = async (server: Server, title: string, company = companyId) => {
    const res = await api(server, `/api/companies/${company}/issues`, BOARD_KEY, { method: 'POST', body: JSON.stringify({ title }) });
    expect(res.status).toBe(201);
    return res.body as { id: string; identifier: string };
  };
  const titles = (connection: SseConnection) => connection.events.map((e) => (JSON.parse(e.data as string) as { details: { title?: string } }).details.title);

  beforeAll(async () => {
    const main = buildServer(BUILD_DIR);
    database = await createTestDatabase();
    db = poolFor(database.url);
    dataDir = mkdtempSync(join(tmpdir(), 'clasp-events-'));
    const env = (port: number) => ({
      PORT: String(port),
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      AGENT_JWT_SECRET: randomBytes(24).toString('hex'),
      BOOTSTRAP_BOARD_KEY: BOARD_KEY,
      SWEEP_INTERVAL_MS: '3600000',
      LOG_LEVEL: 'warn',
      WORKERS: '1',
      PG_BATCHING: process.env.PG_BATCHING ?? 'on',
      EVENTS_KEEPALIVE_MS: '300',
    });
    const since = Date.now();
    one = spawnServer(main, env(await freePort()));
    await waitHealthy(one, since);
    two = spawnServer(main, env(await freePort()));
    await waitHealthy(two, since);

    companyId = (await api(one, '/api/companies', BOARD_KEY, { method: 'POST', body: JSON.stringify({ name: `Events ${randomBytes(3).toString('hex')}` }) })).body.id;
    otherCompanyId = (await api(one, '/api/companies', BOARD_KEY, { method: 'POST', body: JSON.stringify({ name: `Other ${randomBytes(3).toString('hex')}` }) })).body.id;
    const agent = (await api(one, `/api/companies/${companyId}/agents`, BOARD_KEY, { method: 'POST', body: JSON.stringify({ name: 'Streamer' }) })).body;
    agentKey = (await api(one, `/api/agents/${agent.id}/keys`, BOARD_KEY, { method: 'POST', body: JSON.stringify({ name: 'k' }) })).body.token;
    const outsider = (await api(one, '/api/users', BOARD_KEY, { method: 'POST', body: JSON.stringify({ email: `out-${randomBytes(3).toString('hex')}@x.test`, name: 'Out' }) })).body;
    outsiderKey = (await api(one, `/api/users/${outsider.id}/keys`, BOARD_KEY, { method: 'POST', body: JSON.stringify({ name: 'k' }) })).body.token;
  });

  afterEach(() => open.splice(0).forEach((c) => c.close()));

  afterAll(async () => {

    await stopAllServers();
    await db?.end();
    await database?.drop();
    rmSync(BUILD_DIR, { recursive: true, force: true });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers a row written through process 1 to a stream held on process 2 within 1 s', async () => {
    const watching = await stream(two);
    expect(watching.headers['content-type']).toMatch(/^text\/event-stream/);

    const started = performance.now();
    const issue = await createIssue(one, 'seen across processes');
    const [event] = await watching.waitFor(1, 1000);

    expect(event.at - started).toBeLessThan(1000);
    expect(event.event).toBe('issue.created');
    expect(event.id).toMatch(/^\d+$/);
    expect(JSON.parse(event.data as string)).toMatchObject({ companyId, action: 'issue.created', entityType: 'issue', entityId: issue.id });
  });

  it('a reconnect with Last-Event-ID gets exactly the missed events, in order, on another process', async () => {
    const first = await stream(one);
    await createIssue(one, 'r1');
    await first.waitFor(1);
    const resumeFrom = first.lastEventId() as string;
    first.close();

    for (const title of ['r2', 'r3', 'r4']) await createIssue(one, title);
    const resumed = await stream(two, '', BOARD_KEY, { 'Last-Event-ID': resumeFrom });
    await resumed.waitFor(3);
    await createIssue(two, 'r5');
    await resumed.waitFor(4);
    await sleep(300);

    expect(titles(resumed)).toEqual(['r2', 'r3', 'r4', 'r5']);
    const ids = resumed.events.map((e) => BigInt(e.id as string));
    expect(ids.every((id, i) => id > (i === 0 ? BigInt(resumeFrom) : ids[i - 1]))).toBe(true);

    const viaQuery = await stream(one, `?after=${resumeFrom}`);
    await viaQuery.waitFor(4);
    expect(titles(viaQuery)).toEqual(['r2', 'r3', 'r4', 'r5']);
  });

  it('without a cursor starts from now, and announces where "now" is so a reconnect loses nothing', async () => {
    await createIssue(one, 'before subscribing');
    const watching = await stream(two);
    await sleep(200);
    expect(watching.events).toHaveLength(0);
    const announced = watching.lastEventId() as string;
    expect(announced).toMatch(/^\d+$/);
    watching.close();

    await createIssue(one, 'while away');
    const back = await stream(two, '', BOARD_KEY, { 'Last-Event-ID': announced });
    await back.waitFor(1);
    expect(titles(back)).toEqual(['while away']);
  });

  it('never skips a row that commits after a later-numbered one (commits out of seq order)', async () => {
    const watching = await stream(two);
    const insert = `INSERT INTO activity_log (company_id, actor_type, actor_id, action, entity_type, entity_id, details)
                    VALUES ($1, 'system', 'test', 'test.out_of_order', 'test', $2, $3) RETURNING seq`;
    const early = await db.connect();
    try {
      await early.query('BEGIN');
      const low = (await early.query(insert, [companyId, 'low', { title: 'low seq, commits last' }])).rows[0].seq;
      const high = (await db.query(insert, [companyId, 'high', { title: 'high seq, commits first' }])).rows[0].seq;
      expect(BigInt(high)).toBeGreaterThan(BigInt(low));
      await sleep(500);
      // Passing the committed high row on now would move the stream past the low one for good.
      expect(watching.events).toHaveLength(0);
      await early.query('COMMIT');
    } finally {
      early.release();
    }
    await watching.waitFor(2);
    expect(titles(watching)).toEqual(['low seq, commits last', 'high seq, commits first']);
  });

  it('filters by issueId and action', async () => {
    const byIssue = await stream(two);
    const a = await createIssue(one, 'filter a');
    await byIssue.waitFor(1);
    byIssue.close();
    const onlyA = await stream(two, `?issueId=${a.id}`);
    const onlyCreated = await stream(one, '?action=issue.created');
    await createIssue(one, 'filter b');
    const patch = await api(one, `/api/issues/${a.id}`, BOARD_KEY, { method: 'PATCH', body: JSON.stringify({ priority: 'high' }) });
    expect(patch.status).toBe(200);

    await onlyA.waitFor(1);
    await onlyCreated.waitFor(1);
    await sleep(500);
    expect(onlyA.events.map((e) => e.event)).toEqual(['issue.updated']);
    expect(titles(onlyCreated)).toEqual(['filter b']);
  });

  it("lets the company's agents subscribe and refuses anyone else before the stream opens", async () => {
    const agent = await stream(one, '', agentKey);
    expect(agent.status).toBe(200);

    const outsider = await stream(one, '', outsiderKey);
    expect(outsider.status).toBe(403);
    expect(outsider.headers['content-type']).toMatch(/json/);
    expect(JSON.parse(outsider.body)).toMatchObject({ code: expect.any(String) });

    const otherCompany = await openSse(url(one, `/api/companies/${otherCompanyId}/events`), { Authorization: `Bearer ${agentKey}` });
    open.push(otherCompany);
    expect(otherCompany.status).toBe(403);

    const anonymous = await openSse(url(one, `/api/companies/${companyId}/events`), {});
    expect(anonymous.status).toBe(401);
  });

  it('sends keep-alive comments on an idle stream', async () => {
    const idle = await stream(two);
    await sleep(800);
    expect(idle.comments.filter((c) => c === 'keep-alive').length).toBeGreaterThanOrEqual(1);
    expect(idle.events).toHaveLength(0);
  });

  it('answers 400 to a malformed cursor', async () => {
    expect((await stream(one, '?after=abc')).status).toBe(400);
    expect((await stream(one, '', BOARD_KEY, { 'Last-Event-ID': 'x1' })).status).toBe(400);
  });
});
