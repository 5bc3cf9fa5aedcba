import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  buildServer, freePort, generatedKeys, ROOT, runningPostmaster, Server, sleep, spawnServer, stopAllServers, stopOrphanedPostmaster, url, waitHealthy,
} from '../helpers/server-process';

/**
 * The compiled server as an operator runs it, stdout a pipe (not a TTY): JSON log lines beside the
 * short human start-up lines, and the probes when its database goes away.
 */
const BUILD_DIR = join(ROOT, '.test-data', `ops-build-${process.pid}-${randomBytes(3).toString('hex')}`);
let MAIN: string;
let dataDir: string;
let server: Server;

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
    dataDir = mkdtempSync(join(tmpdir(), 'clasp-ops-'));
    chmodSync(dataDir, 0o755); // postgres runs as its own user when we are root
    // The embedded database of its own, so this suite may stop it; sweeps every 200 ms so a stuck sweeper shows quickly.
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: 'info', SWEEP_INTERVAL_MS: '200', WORKERS: '1' };
    server = spawnServer(MAIN, env);
    await waitHealthy(server, Date.now());
  }, 180_000);

  afterAll(async () => {
    await stopAllServers();
    if (dataDir) {
      await stopOrphanedPostmaster(join(dataDir, 'pg'));
      rmSync(dataDir, { recursive: true, force: true });
    }
    rmSync(BUILD_DIR, { recursive: true, force: true });
    try {
      rmdirSync(dirname(BUILD_DIR));
    } catch {
      // not empty: someone else's build is there
    }
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
});
