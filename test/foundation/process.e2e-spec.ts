import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS } from '../../src/database/data-source';
import {
  api,
  buildServer,
  freePort,
  GENERATED_KEY,
  generatedKeys,
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
  timeout,
  url,
  waitHealthy,
} from '../helpers/server-process';

/**
 * The real compiled server as an operator runs it (`node dist/src/main.js`, here from a private build): first start, restart,
 * configured bootstrap key, invalid configuration, and two processes migrating one database.
 */

/** Under the git-ignored .test-data/: other people building or cleaning dist/ in this checkout cannot pull it from under us. */
const BUILD_DIR = join(ROOT, '.test-data', `process-build-${process.pid}-${randomBytes(3).toString('hex')}`);
let MAIN: string;

jest.setTimeout(180_000);

const databases: string[] = [];
const measurements: Record<string, string> = {};

const freshDataDir = () => freshServerDataDir('clasp-proc-');

async function serverEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return { DATA_DIR: freshDataDir(), PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: 'warn', ...extra };
}

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error('no VmRSS');
  return Number(match[1]);
}

/** Waits for a server that must fail to start; returns the one line it wrote to stderr. */
async function failureLine(server: Server): Promise<string> {
  const code = await Promise.race([server.exited, timeout(30_000)]);
  expect(code).not.toBe('timeout');
  expect(code).not.toBe(0);
  expect(server.out()).not.toMatch(/listening/);
  const lines = server.err().trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0];
}

async function adminClient(database = 'postgres'): Promise<Client> {
  const base = process.env.CLASP_TEST_PG_URL as string;
  const client = new Client({ connectionString: base.replace(/\/postgres$/, `/${database}`) });
  await client.connect();
  return client;
}

describe('the compiled server process', () => {
  beforeAll(() => {
    MAIN = buildServer(BUILD_DIR);
  }, 180_000);

  afterAll(async () => {
    await stopAllServers();
    await removeServerDataDirs();
    if (databases.length) {
      const admin = await adminClient();
      try {
        for (const db of databases) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    }
    removeBuild(BUILD_DIR);
    if (Object.keys(measurements).length) console.log(`process measurements:\n${Object.entries(measurements).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);
  }, 120_000);

  describe('embedded database, generated key, restart', () => {
    let env: Record<string, string>;
    let key: string;
    let companyId: string;

    it('(a) first start prints the generated key once, is healthy, and the key works', async () => {
      env = await serverEnv();
      const t0 = Date.now();
      const server = spawnServer(MAIN, env);
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
      expect(runningPostmaster(join(env.DATA_DIR, 'pg'))).toBeUndefined();
    });

    it('(b) a restart on the same DATA_DIR prints no key, keeps the data, and the old key still works', async () => {
      expect(key).toBeDefined();
      const t0 = Date.now();
      const server = spawnServer(MAIN, env);
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
    const server = spawnServer(MAIN, await serverEnv({ BOOTSTRAP_BOARD_KEY: configured }));
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
    ['WORKERS', '0'],
  ])('(d) invalid %s=%s exits non-zero with one stderr line naming it', async (name, value) => {
    expect(await failureLine(spawnServer(MAIN, await serverEnv({ [name]: value })))).toContain(name);
  });

  describe('(f) an embedded database that cannot start: exit non-zero with one stderr line saying what to do', () => {
    it('its port is taken', async () => {
      const env = await serverEnv();
      const squatter = createServer().listen(Number(env.EMBEDDED_PG_PORT), '127.0.0.1');
      await once(squatter, 'listening');
      try {
        const line = await failureLine(spawnServer(MAIN, env));
        expect(line).toMatch(new RegExp(`port ${env.EMBEDDED_PG_PORT} is already in use: set EMBEDDED_PG_PORT`));
      } finally {
        squatter.close();
      }
    });

    it('a postmaster.pid names a live process that is not its PostgreSQL', async () => {
      const env = await serverEnv();
      const server = spawnServer(MAIN, env);
      await waitHealthy(server, Date.now());
      expect(await stop(server, 10_000)).toBe(0);
      // As left by a crash, its PID since reused. PostgreSQL ignores a PID it may not signal (another user's process
      // cannot be a postmaster on its data), so the stand-in runs as the cluster's owner.
      const cluster = join(env.DATA_DIR, 'pg');
      const { uid, gid } = statSync(cluster);
      const standIn = spawn('sleep', ['60'], { stdio: 'ignore', ...(process.getuid?.() === 0 ? { uid, gid } : {}) });
      const pidFile = join(cluster, 'postmaster.pid');
      writeFileSync(pidFile, `${standIn.pid}\n${cluster}\n`);
      try {
        const line = await failureLine(spawnServer(MAIN, env));
        expect(line).toContain(`locked by process ${standIn.pid} (postmaster.pid)`);
        expect(line).toContain(`delete ${pidFile}`);
      } finally {
        standIn.kill();
      }
    });

    it('DATA_DIR cannot hold a directory', async () => {
      const file = join(freshDataDir(), 'a-file');
      writeFileSync(file, '');
      const line = await failureLine(spawnServer(MAIN, await serverEnv({ DATA_DIR: join(file, 'data'), AGENT_JWT_SECRET: 'x'.repeat(32) })));
      expect(line).toMatch(/embedded PostgreSQL: cannot prepare .*: make it writable, or set DATA_DIR/);
    });
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
    const servers = envs.map((env) => spawnServer(MAIN, env));
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
