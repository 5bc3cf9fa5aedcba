/*
 * Start and restart to healthy, as an operator runs the server: `node dist/src/main.js` on its
 * own embedded PostgreSQL in a fresh data directory, WORKERS=1 and 2 (or --workers).
 *
 *   npm run bench:restart -- [--workers 1,2] [--restarts 5]
 *
 * For each WORKERS: one cold start (initdb, migrations, first admin), then --restarts stops
 * (SIGTERM) and starts on the same data; each timed from spawn until GET /api/health/ready answers
 * 200. Also idle RSS of every server process (node only, not PostgreSQL), 3 s after healthy.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../src/database/free-port';
import { childrenOf, readOneRss } from './cpu';
import { Latencies, sleep } from './stats';

const MAIN = resolve(__dirname, '..', 'src', 'main.js');

function argList(name: string, fallback: number[]): number[] {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1].split(',').map(Number);
}

function ready(port: number): Promise<boolean> {
  return new Promise((done) => {
    const req = get({ host: '127.0.0.1', port, path: '/api/health/ready', agent: false }, (res) => {
      res.resume();
      done(res.statusCode === 200);
    });
    req.on('error', () => done(false));
  });
}

async function startTimed(env: NodeJS.ProcessEnv, port: number): Promise<{ child: ChildProcess; ms: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [MAIN], { env, stdio: 'ignore' });
  while (!(await ready(port))) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} during start-up`);
    if (performance.now() - t0 > 60_000) throw new Error('not healthy after 60 s');
    await sleep(10);
  }
  return { child, ms: performance.now() - t0 };
}

function stopped(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

function nodeRssMb(pid: number): number[] {
  const isNode = (p: number) => {
    try {
      return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'node';
    } catch {
      return false;
    }
  };
  return [pid, ...childrenOf(pid).filter(isNode)].map((p) => Math.round(readOneRss(p).rssMb));
}

async function measure(workers: number, restarts: number): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'clasp-restart-'));
  const port = await freePort();
  const env = { ...process.env, DATA_DIR: dataDir, PORT: String(port), EMBEDDED_PG_PORT: String(await freePort()), WORKERS: String(workers), LOG_LEVEL: 'warn' };
  try {
    const cold = await startTimed(env, port);
    await sleep(3000);
    const rss = nodeRssMb(cold.child.pid as number);
    await stopped(cold.child);
    const times: number[] = [];
    for (let i = 0; i < restarts; i++) {
      const run = await startTimed(env, port);
      times.push(run.ms);
      await stopped(run.child);
    }
    const recorded = new Latencies();
    times.forEach((ms) => recorded.add(ms));
    const { p50, max } = recorded.summary();
    console.log(
      `WORKERS=${workers}: cold start ${cold.ms.toFixed(0)} ms; restart to healthy p50 ${p50.toFixed(0)} ms, ` +
        `max ${max.toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')}); idle RSS MB per process ${rss.join(' / ')}`,
    );
    console.log(`BENCH_RESTART ${JSON.stringify({ workers, coldMs: cold.ms, restartMs: times, idleRssMb: rss })}`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const restarts = argList('--restarts', [5])[0];
  for (const workers of argList('--workers', [1, 2])) await measure(workers, restarts);
}

main().catch((error: unknown) => {
  console.error(`bench:restart: ${(error as Error)?.message ?? error}`);
  process.exit(2);
});
