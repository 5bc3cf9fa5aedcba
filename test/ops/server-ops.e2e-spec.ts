import { randomBytes } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import {
  buildServer, freePort, generatedKeys, ROOT, runningPostmaster, Server, sleep, spawnServer, stopAllServers, url, waitHealthy,
  freshServerDataDir, removeBuild, removeServerDataDirs,
} from '../helpers/server-process';
import { valueOf } from './prometheus-text';

/**
 * The compiled server as an operator runs it, stdout a pipe (not a TTY): JSON log lines beside the
 * short human start-up lines, and the probes when its database goes away.
 */
const BUILD_DIR = join(ROOT, '.test-data', `ops-build-${process.pid}-${randomBytes(3).toString('hex')}`);
let MAIN: string;
let dataDir: string;
let server: Server;
const freshDataDir = () => freshServerDataDir('clasp-ops-');

/** A request on a connection of its own, so the cluster may hand it to any worker. */
function fresh(port: number, path: string): Promise<{ status: number; worker: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, worker: Number(res.headers['x-clasp-worker']), text }));
    });
    req.on('error', reject);
  });
}

jest.setTimeout(180_000);

const get = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url(server, path), { headers });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
};

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${server.out()}\n${server.err()}`);
    await sleep(100);
  }
}

describe('the server process: log format and probes', () => {
  beforeAll(async () => {
    MAIN = buildServer(BUILD_DIR);
    dataDir = freshDataDir();
    // The embedded database of its own, so this suite may stop it; sweeps every 200 ms so a stuck sweeper shows quickly.
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: 'info', SWEEP_INTERVAL_MS: '200', WORKERS: '1' };
    server = spawnServer(MAIN, env);
    await waitHealthy(server, Date.now());
  }, 180_000);

  afterAll(async () => {
    await stopAllServers();
    await removeServerDataDirs();
    removeBuild(BUILD_DIR);
  }, 120_000);

  it('writes JSON lines on a pipe, keeping the start-up banner and the first-start key as short human lines', async () => {
    const [key] = generatedKeys(server.out());
    expect(key).toBeDefined();
    const me = await get('/api/me', { Authorization: `Bearer ${key}`, 'X-Request-Id': 'ops-me-1' });
    expect(me.status).toBe(200);

    const line = await until('the access line', async () =>
      server
        .out()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l))
        .find((l) => l.requestId === 'ops-me-1'),
    );
    expect(line).toMatchObject({ level: 'info', route: '/api/me', status: 200, actorType: 'board', msg: 'request' });

    const human = server.out().split('\n').filter((l) => l.trim() && !l.startsWith('{'));
    expect(human[0]).toMatch(/^Clasp listening on http:\/\/127\.0\.0\.1:\d+ \(ready in \d+ ms\)$/);
    expect(human).toContain(`  ${key}`);
    // Nothing else is plain text: a log shipper can parse every other line. Nest's start-up chatter stays out at info.
    expect(human.length).toBeLessThanOrEqual(6);
    expect(server.out()).not.toMatch(/InstanceLoader|RouterExplorer/);
    // The key is printed once, for the operator — never inside a log line.
    expect(server.out().split('\n').filter((l) => l.startsWith('{') && l.includes(key))).toEqual([]);
  });

  it('is live and ready; when its database stops, ready (and /api/health) answer 503 while live stays 200', async () => {
    expect((await get('/api/health/live')).status).toBe(200);
    const ready = await get('/api/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details).toMatchObject({ database: { status: 'up' }, migrations: { status: 'up' }, sweeper: { status: 'up' } });

    const postmaster = runningPostmaster(join(dataDir, 'pg'));
    expect(postmaster).toBeDefined();
    process.kill(postmaster as number, 'SIGINT'); // fast shutdown: what an operator's "the database went away" looks like
    await until('postgres to stop', async () => (runningPostmaster(join(dataDir, 'pg')) ? undefined : true));

    const down = await get('/api/health/ready');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ code: 'not_ready', error: expect.stringMatching(/database/), details: { database: { status: 'down' } } });
    expect((await get('/api/health/live')).status).toBe(200);
    expect(await get('/api/health')).toMatchObject({ status: 503, body: { status: 'error', database: 'down', code: 'database_unavailable' } });

    // Its sweeps fail now too: within three intervals the sweeper check is down as well.
    const stale = await until('the sweeper check to fail', async () => {
      const res = await get('/api/health/ready');
      return res.body.details?.sweeper?.status === 'down' ? res : undefined;
    });
    expect(stale.status).toBe(503);
    expect(server.proc.exitCode).toBeNull();
  });

  it('WORKERS=2: whichever worker answers /metrics, it reports both workers\' requests', async () => {
    const port = await freePort();
    const cluster = spawnServer(MAIN, { DATA_DIR: freshDataDir(), PORT: String(port), EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: 'warn', WORKERS: '2' });
    await waitHealthy(cluster, Date.now());
    const answered = await Promise.all(Array.from({ length: 30 }, () => fresh(port, '/api/health/live')));
    expect(answered.every((r) => r.status === 200)).toBe(true);
    const workers = new Set(answered.map((r) => r.worker));

    const seenBy = new Set<number>();
    for (let i = 0; i < 8; i++) {
      const scrape = await fresh(port, '/metrics');
      expect(scrape.status).toBe(200);
      seenBy.add(scrape.worker);
      // waitHealthy's own /api/health polls are in there too; the 30 probes are exact.
      expect(valueOf(scrape.text, 'clasp_http_request_duration_seconds_count', { route: '/api/health/live', status: '200' })).toBe(30);
      expect(valueOf(scrape.text, 'clasp_db_pool_max')).toBe(40); // 20 per worker
    }
    // node:cluster hands connections round-robin: both workers served probes and both answered scrapes,
    // so each scrape's 30 counts both workers' requests.
    expect(workers.size).toBe(2);
    expect(seenBy.size).toBe(2);
  });
});
