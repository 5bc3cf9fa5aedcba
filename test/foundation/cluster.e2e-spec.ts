import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import {
  buildServer,
  freePort,
  generatedKeys,
  isAlive,
  ROOT,
  runningPostmaster,
  Server,
  sleep,
  spawnServer,
  stop,
  stopAllServers,
  freshServerDataDir,
  removeBuild,
  removeServerDataDirs,
  waitHealthy,
} from '../helpers/server-process';

/**
 * WORKERS=2 as an operator runs it: one embedded database, two worker processes on one port
 * (which one answered is the X-Clasp-Worker header), a killed worker replaced, SIGTERM stops all.
 */

const BUILD_DIR = join(ROOT, '.test-data', `cluster-build-${process.pid}-${randomBytes(3).toString('hex')}`);
let MAIN: string;
let dataDir: string;

jest.setTimeout(180_000);

/** One request on a connection of its own (the cluster hands out connections, not requests). */
function health(server: Server): Promise<{ status: number; worker: number }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port: server.port, path: '/api/health', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, worker: Number(res.headers['x-clasp-worker']) }));
    });
    req.on('error', reject);
  });
}

async function workersAnswering(server: Server, requests = 20): Promise<Set<number>> {
  const seen = new Set<number>();
  for (let i = 0; i < requests; i++) {
    const res = await health(server);
    expect(res.status).toBe(200);
    seen.add(res.worker);
  }
  return seen;
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe('WORKERS=2', () => {
  beforeAll(() => {
    MAIN = buildServer(BUILD_DIR);
    dataDir = freshServerDataDir('clasp-cluster-');
  }, 180_000);

  afterAll(async () => {
    await stopAllServers();
    await removeServerDataDirs();
    removeBuild(BUILD_DIR);
  }, 60_000);

  it('serves from two worker processes, replaces a killed one, and stops everything on SIGTERM', async () => {
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: 'warn', WORKERS: '2' };
    const server = spawnServer(MAIN, env);
    await waitHealthy(server, Date.now());
    const primary = server.proc.pid as number;

    // The banner and the generated key once, from the primary — not once per worker.
    expect(generatedKeys(server.out())).toHaveLength(1);
    expect(server.out().match(/listening on/g)).toHaveLength(1);
    const postmaster = runningPostmaster(join(dataDir, 'pg'));
    expect(postmaster).toBeDefined();

    const workers = await workersAnswering(server);
    expect(workers.size).toBe(2);
    for (const pid of workers) expect(parentOf(pid)).toBe(primary);

    const [victim, survivor] = [...workers];
    process.kill(victim, 'SIGKILL');
    let now = new Set<number>();
    for (let i = 0; i < 100 && now.size < 2; i++) {
      await sleep(100);
      now = await workersAnswering(server, 6);
    }
    expect(now.size).toBe(2);
    expect(now.has(victim)).toBe(false);
    expect(now.has(survivor)).toBe(true);
    expect(server.err()).toContain(`worker ${victim} exited (signal SIGKILL); starting a replacement`);

    const t0 = Date.now();
    expect(await stop(server, 10_000)).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    for (const pid of now) expect(isAlive(pid)).toBe(false);
    expect(isAlive(postmaster as number)).toBe(false);
  });
});
