import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS } from '../../src/database/data-source';
import { freePort } from '../../src/database/free-port';

/**
 * The real compiled server as an operator runs it (`node dist/src/main.js`, here from a private build): first start, restart,
 * configured bootstrap key, invalid configuration, and two processes migrating one database.
 */

const ROOT = resolve(__dirname, '..', '..');
/**
 * Built with the project's tsconfig.build.json into a private output directory (the same layout as dist/, under
 * the git-ignored .test-data/): other people building or cleaning dist/ in this checkout cannot pull it from under us.
 */
const BUILD_DIR = join(ROOT, '.test-data', `process-build-${process.pid}-${randomBytes(3).toString('hex')}`);
const MAIN = join(BUILD_DIR, 'src', 'main.js');
const GENERATED_KEY = /clasp_board_[0-9a-f]{48}/;
const generatedKeys = (output: string): string[] => output.match(new RegExp(GENERATED_KEY.source, 'g')) ?? [];
const STARTUP_TIMEOUT_MS = 60_000;

jest.setTimeout(180_000);

interface Server {
  proc: ChildProcess;
  port: number;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
const dataDirs: string[] = [];
const databases: string[] = [];
const measurements: Record<string, string> = {};

function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clasp-proc-'));
  chmodSync(dir, 0o755); // postgres runs as a separate user when we are root
  dataDirs.push(dir);
  return dir;
}

function spawnServer(env: Record<string, string>): Server {
  const proc = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    // Only what the server needs: nothing from the test run (DATABASE_URL, CLASP_TEST_*) leaks in.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let out = '';
  let err = '';
  proc.stdout?.on('data', (chunk) => (out += chunk));
  proc.stderr?.on('data', (chunk) => (err += chunk));
  const exited = new Promise<number | null>((resolveExit) => proc.once('exit', (code) => resolveExit(code)));
  return { proc, port: Number(env.PORT), out: () => out, err: () => err, exited };
}

async function serverEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return { DATA_DIR: freshDataDir(), PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: 'warn', ...extra };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** For races: resolves 'timeout' without keeping Jest alive once the race is decided. */
const timeout = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref());
const url = (server: Server, path: string) => `http://127.0.0.1:${server.port}${path}`;

/** Polls /api/health until 200; returns the milliseconds it took from `since`. */
async function waitHealthy(server: Server, since: number): Promise<number> {
  let exitCode: number | null | undefined;
  void server.exited.then((code) => (exitCode = code));
  while (Date.now() - since < STARTUP_TIMEOUT_MS) {
    if (exitCode !== undefined) throw new Error(`server exited with ${exitCode} before becoming healthy:\n${server.out()}\n${server.err()}`);
    try {
      const res = await fetch(url(server, '/api/health'));
      if (res.status === 200) {
        const elapsed = Date.now() - since;
        // The banner (and a generated key) is printed right after listen(): let it reach us.
        while (!server.out().includes('Database:') && Date.now() - since < STARTUP_TIMEOUT_MS) await sleep(20);
        await sleep(200);
        return elapsed;
      }
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`server not healthy within ${STARTUP_TIMEOUT_MS} ms:\n${server.out()}\n${server.err()}`);
}

async function api(server: Server, path: string, key: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url(server, path), {
    ...init,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** SIGTERM and wait; resolves the exit code (null when it had to be killed). */
async function stop(server: Server, graceMs = 15_000): Promise<number | null> {
  if (server.proc.exitCode !== null || server.proc.signalCode !== null) return server.proc.exitCode;
  server.proc.kill('SIGTERM');
  const code = await Promise.race([server.exited, timeout(graceMs)]);
  if (code === 'timeout') {
    server.proc.kill('SIGKILL');
    await server.exited;
    return null;
  }
  return code;
}

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error('no VmRSS');
  return Number(match[1]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function adminClient(database = 'postgres'): Promise<Client> {
  const base = process.env.CLASP_TEST_PG_URL as string;
  const client = new Client({ connectionString: base.replace(/\/postgres$/, `/${database}`) });
  await client.connect();
  return client;
}

describe('the compiled server process', () => {
  beforeAll(() => {
    const args = ['tsc', '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR, '--tsBuildInfoFile', join(BUILD_DIR, '.tsbuildinfo')];
    try {
      execFileSync('npx', args, { cwd: ROOT, stdio: 'pipe', timeout: 150_000 });
    } catch (error) {
      // Type errors elsewhere in the shared checkout still emit JavaScript; what this suite needs is main.js.
      const output = String((error as { stdout?: Buffer }).stdout ?? '') + String((error as { stderr?: Buffer }).stderr ?? '');
      if (!existsSync(MAIN)) throw new Error(`build failed:\n${output}`);
      console.warn(`tsc reported errors (JavaScript was emitted anyway):\n${output.split('\n').slice(0, 10).join('\n')}`);
    }
    // src/common/version.ts reads the package.json two levels above the compiled file, as it does in dist/.
    copyFileSync(join(ROOT, 'package.json'), join(BUILD_DIR, 'package.json'));
  }, 180_000);

  afterAll(async () => {
    for (const proc of children) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await Promise.race([once(proc, 'exit'), timeout(10_000)]);
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      }
    }
    // An embedded PostgreSQL orphaned by a killed server would hold its data directory: stop it.
    for (const dir of dataDirs) {
      const pidFile = join(dir, 'pg', 'postmaster.pid');
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
        if (pid > 0 && isAlive(pid)) {
          process.kill(pid, 'SIGINT');
          for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }
    if (databases.length) {
      const admin = await adminClient();
      try {
        for (const db of databases) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    }
    rmSync(BUILD_DIR, { recursive: true, force: true });
    try {
      rmdirSync(dirname(BUILD_DIR)); // only when empty: leave anyone else's .test-data alone
    } catch {
      // not empty, or already gone
    }
    if (Object.keys(measurements).length) console.log(`process measurements:\n${Object.entries(measurements).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);
  }, 120_000);

  describe('embedded database, generated key, restart', () => {
    let env: Record<string, string>;
    let key: string;
    let companyId: string;

    it('(a) first start prints the generated key once, is healthy, and the key works', async () => {
      env = await serverEnv();
      const t0 = Date.now();
      const server = spawnServer(env);
      const coldMs = await waitHealthy(server, t0);
      measurements['cold first start → healthy'] = `${coldMs} ms`;

      const keys = generatedKeys(server.out());
      expect(keys).toHaveLength(1);
      key = keys[0];
      expect(server.out()).toMatch(new RegExp(`^\\s*${key}\\s*$`, 'm')); // on a line of its own, easy to copy

      const health = await fetch(url(server, '/api/health'));
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', version: expect.any(String), database: 'up' });

      const me = await api(server, '/api/me', key);
      expect(me).toEqual({ status: 200, body: expect.objectContaining({ type: 'board', name: 'admin', isInstanceAdmin: true }) });
      const company = await api(server, '/api/companies', key, { method: 'POST', body: JSON.stringify({ name: 'Survives Restart' }) });
      expect(company.status).toBe(201);
      companyId = company.body.id;
      expect((await api(server, '/api/me', 'clasp_board_' + '0'.repeat(48))).status).toBe(401);

      await sleep(3000); // idle
      measurements['server RSS after idle (first start)'] = `${Math.round(rssKb(server.proc.pid as number) / 1024)} MB (VmRSS ${rssKb(server.proc.pid as number)} kB, node process only)`;

      // (b, first half) SIGTERM → exits 0 within a few seconds
      const t1 = Date.now();
      expect(await stop(server, 10_000)).toBe(0);
      measurements['SIGTERM → exit'] = `${Date.now() - t1} ms`;
      expect(server.err()).toBe('');
      // ...having stopped its embedded PostgreSQL rather than orphaning it
      const pidFile = join(env.DATA_DIR, 'pg', 'postmaster.pid');
      expect(existsSync(pidFile) && isAlive(Number(readFileSync(pidFile, 'utf8').split('\n')[0]))).toBe(false);
    });

    it('(b) a restart on the same DATA_DIR prints no key, keeps the data, and the old key still works', async () => {
      expect(key).toBeDefined();
      const t0 = Date.now();
      const server = spawnServer(env);
      const restartMs = await waitHealthy(server, t0);
      measurements['restart → healthy'] = `${restartMs} ms`;
      expect(server.out()).not.toMatch(GENERATED_KEY);

      const me = await api(server, '/api/me', key);
      expect(me.status).toBe(200);
      const companies = await api(server, '/api/companies', key);
      expect(companies.status).toBe(200);
      expect(companies.body).toEqual([expect.objectContaining({ id: companyId, name: 'Survives Restart' })]);
      const users = await api(server, '/api/users', key);
      expect(users.body).toHaveLength(1);

      await sleep(3000);
      measurements['server RSS after idle (restart)'] = `${Math.round(rssKb(server.proc.pid as number) / 1024)} MB`;
      expect(await stop(server, 10_000)).toBe(0);
    });
  });

  it('(c) BOOTSTRAP_BOARD_KEY on a fresh DATA_DIR: that key works and nothing is printed', async () => {
    const configured = `clasp_board_${randomBytes(24).toString('hex')}`;
    const server = spawnServer(await serverEnv({ BOOTSTRAP_BOARD_KEY: configured }));
    await waitHealthy(server, Date.now());
    expect(server.out()).not.toMatch(/clasp_board_/);
    expect(server.err()).not.toMatch(/clasp_board_/);
    const me = await api(server, '/api/me', configured);
    expect(me).toEqual({ status: 200, body: expect.objectContaining({ type: 'board', isInstanceAdmin: true }) });
    expect((await api(server, '/api/me', `clasp_board_${randomBytes(24).toString('hex')}`)).status).toBe(401);
    expect(await stop(server, 10_000)).toBe(0);
  });

  it.each([
    ['PORT', 'abc'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
    ['EMBEDDED_PG_PORT', '80'],
    ['BOOTSTRAP_BOARD_KEY', 'clasp_board_short'],
  ])('(d) invalid %s=%s exits non-zero with one stderr line naming it', async (name, value) => {
    const server = spawnServer(await serverEnv({ [name]: value }));
    const code = await Promise.race([server.exited, timeout(30_000)]);
    expect(code).not.toBe('timeout');
    expect(code).not.toBe(0);
    const lines = server.err().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(name);
    expect(server.out()).not.toMatch(/listening/);
  });

  it('(e) two processes starting together on one empty database migrate once and create one admin', async () => {
    const database = `clasp_proc_${randomBytes(5).toString('hex')}`;
    const admin = await adminClient();
    try {
      await admin.query(`CREATE DATABASE ${database}`);
    } finally {
      await admin.end();
    }
    databases.push(database);
    const databaseUrl = (process.env.CLASP_TEST_PG_URL as string).replace(/\/postgres$/, `/${database}`);
    const secret = randomBytes(24).toString('hex');
    const envs = [await serverEnv({ DATABASE_URL: databaseUrl, AGENT_JWT_SECRET: secret }), await serverEnv({ DATABASE_URL: databaseUrl, AGENT_JWT_SECRET: secret })];
    const t0 = Date.now();
    const servers = envs.map((env) => spawnServer(env));
    const times = await Promise.all(servers.map((s) => waitHealthy(s, t0)));
    measurements['two concurrent starts on an empty external database → healthy'] = times.map((ms) => `${ms} ms`).join(', ');

    const printed = servers.flatMap((s) => generatedKeys(s.out()));
    expect(printed).toHaveLength(1);
    for (const server of servers) expect((await api(server, '/api/me', printed[0])).status).toBe(200);

    const db = await adminClient(database);
    try {
      const migrations = await db.query('SELECT name, count(*)::int AS n FROM migrations GROUP BY name ORDER BY name');
      expect(migrations.rows).toEqual(MIGRATIONS.map((m) => ({ name: m.name, n: 1 })).sort((a, b) => a.name.localeCompare(b.name)));
      const users = await db.query('SELECT name, is_instance_admin FROM users');
      expect(users.rows).toEqual([{ name: 'admin', is_instance_admin: true }]);
      const keys = await db.query('SELECT count(*)::int AS n FROM board_api_keys');
      expect(keys.rows[0].n).toBe(1);
    } finally {
      await db.end();
    }
    const codes = await Promise.all(servers.map((s) => stop(s, 10_000)));
    expect(codes.map((code, i) => ({ code, stderr: servers[i].err() }))).toEqual([{ code: 0, stderr: '' }, { code: 0, stderr: '' }]);
  });
});
