import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { freePort } from '../src/database/free-port';
import { startThrowawayPostgres } from '../src/database/throwaway-postgres';
import type { Options } from './cli';
import { Api } from './http-client';
import { sleep } from './stats';

// The bench's environment: an embedded PostgreSQL and the compiled server as a child process.

export interface Env {
  tmp: string;
  db?: EmbeddedDatabase;
  pool?: Pool;
  server?: ChildProcess;
  serverExited: boolean;
  serverTail: string[];
  api?: Api;
  boardKey: string;
  baseUrl: string;
  /** SIGINT/SIGTERM arrived: workers and loops stop. */
  stopRequested: boolean;
  /** --keep: leave the temp dir behind. */
  keepTemp: boolean;
  cleanedUp: boolean;
}

export const env: Env = { tmp: '', serverExited: false, serverTail: [], boardKey: '', baseUrl: '', stopRequested: false, keepTemp: false, cleanedUp: false };
let cleanupPromise: Promise<void> | undefined;

/** Stops everything this script started; safe to call many times (one shared promise). */
export function cleanup(): Promise<void> {
  cleanupPromise ??= doCleanup();
  return cleanupPromise;
}

async function doCleanup(): Promise<void> {
  env.cleanedUp = true;
  env.api?.close();
  await env.pool?.end().catch(() => undefined);
  const child = env.server;
  if (child && !env.serverExited && child.pid) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      child.kill('SIGTERM');
    } catch {
      /* already gone */
    }
    const ok = await Promise.race([exited.then(() => true), sleep(8000).then(() => false)]);
    if (!ok) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
      await Promise.race([exited, sleep(2000)]);
    }
  }
  if (env.db) await env.db.stop().catch((e) => console.error(`bench: stopping embedded postgres failed: ${e}`));
  if (env.tmp && existsSync(env.tmp)) {
    if (env.keepTemp) console.error(`bench: kept ${env.tmp}`);
    else rmSync(env.tmp, { recursive: true, force: true });
  }
}

export async function startEnvironment(opts: Options): Promise<void> {
  const t0 = Date.now();
  const started = await startThrowawayPostgres('clasp-bench-', 'clasp');
  env.tmp = started.dir;
  env.db = started.db;
  const pgPort = started.port;
  if (opts.profile) {
    // pg_stat_statements must be preloaded: set it and restart the cluster on the same files.
    const admin = new Pool({ connectionString: env.db.url, max: 1 });
    await admin.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
    await admin.query(`ALTER SYSTEM SET pg_stat_statements.track_utility = on`);
    await admin.end();
    await env.db.stop();
    env.db = await startEmbeddedPostgres(join(env.tmp, 'pg'), pgPort, 'clasp');
    const again = new Pool({ connectionString: env.db.url, max: 1 });
    await again.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await again.end();
  }
  log(`embedded postgres on port ${pgPort} (${Date.now() - t0} ms)${opts.profile ? ', pg_stat_statements loaded' : ''}`);

  const distRoot = resolve(__dirname, '..');
  const mainJs = join(distRoot, 'src', 'main.js');
  if (!existsSync(mainJs)) throw new Error(`${mainJs} not found: run npm run build first`);
  const port = await freePort();
  env.boardKey = `clasp_board_${randomBytes(24).toString('hex')}`;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: env.db.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: join(env.tmp, 'data'),
    BOOTSTRAP_BOARD_KEY: env.boardKey,
    LOG_LEVEL: opts.logLevel,
    LOG_FORMAT: 'json',
    AGENT_JWT_SECRET: randomBytes(32).toString('hex'),
    RUN_LEASE_SECONDS: '86400', // runs are seeded directly and never heartbeat
    NODE_ENV: 'production',
    WORKERS: String(opts.workers),
  };
  const t1 = Date.now();
  const profArgs = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
  const child = spawn(process.execPath, [...profArgs, mainJs], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], cwd: distRoot });
  env.server = child;
  const keepTail = (prefix: string) => (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      env.serverTail.push(line);
      if (env.serverTail.length > 200) env.serverTail.shift();
      if (opts.verbose) console.error(`[server${prefix}] ${line}`);
    }
  };
  child.stdout?.on('data', keepTail(''));
  child.stderr?.on('data', keepTail(':err'));
  child.on('exit', (code, signal) => {
    env.serverExited = true;
    if (!env.cleanedUp && !env.stopRequested) console.error(`bench: server exited unexpectedly (code ${code}, signal ${signal})`);
  });

  env.api = new Api('127.0.0.1', port, 256);
  env.baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (env.stopRequested) throw new Error('interrupted');
    if (env.serverExited) throw new Error(`server exited during start-up:\n${env.serverTail.slice(-30).join('\n')}`);
    try {
      const r = await env.api.request('GET', '/api/health');
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`server not healthy after 90 s:\n${env.serverTail.slice(-30).join('\n')}`);
    await sleep(100);
  }
  log(`server pid ${child.pid} (WORKERS=${opts.workers}) on ${env.baseUrl} healthy (${Date.now() - t1} ms)`);
  env.pool = new Pool({ connectionString: env.db.url, max: 40 });
  env.pool.on('error', poolError);
}

/** An idle pooled connection died (e.g. the database is stopping on SIGINT): not fatal by itself. */
export function poolError(e: Error): void {
  if (!env.stopRequested && !env.cleanedUp) log(`pg pool: ${e.message}`);
}

export function log(msg: string): void {
  console.error(`bench: ${msg}`);
}
