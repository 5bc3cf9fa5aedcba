import { freePort } from '../../src/database/free-port';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The real compiled server as an operator runs it, for the suites that start it as a process. */

export const ROOT = resolve(__dirname, '..', '..');
export const STARTUP_TIMEOUT_MS = 60_000;
export const GENERATED_KEY = /clasp_board_[0-9a-f]{48}/;
export const generatedKeys = (output: string): string[] => output.match(new RegExp(GENERATED_KEY.source, 'g')) ?? [];

export interface Server {
  proc: ChildProcess;
  port: number;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** For races: resolves 'timeout' without keeping Jest alive once the race is decided. */
export const timeout = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref());
export const url = (server: Server, path: string) => `http://127.0.0.1:${server.port}${path}`;

export { freePort };

/**
 * Builds the server with the project's tsconfig.build.json into `outDir` (the same layout as dist/, with package.json
 * beside it as version.ts expects) and returns its main.js: a private build nobody else's `npm run build` can disturb.
 */
export function buildServer(outDir: string): string {
  const main = join(outDir, 'src', 'main.js');
  const args = ['tsc', '-p', 'tsconfig.build.json', '--outDir', outDir, '--tsBuildInfoFile', join(outDir, '.tsbuildinfo')];
  try {
    execFileSync('npx', args, { cwd: ROOT, stdio: 'pipe', timeout: 150_000 });
  } catch (error) {
    // Type errors elsewhere in the shared checkout still emit JavaScript; what these suites need is main.js.
    const output = String((error as { stdout?: Buffer }).stdout ?? '') + String((error as { stderr?: Buffer }).stderr ?? '');
    if (!existsSync(main)) throw new Error(`build failed:\n${output}`);
    console.warn(`tsc reported errors (JavaScript was emitted anyway):\n${output.split('\n').slice(0, 10).join('\n')}`);
  }
  copyFileSync(join(ROOT, 'package.json'), join(outDir, 'package.json'));
  return main;
}

export function spawnServer(main: string, env: Record<string, string>, cwd = ROOT): Server {
  const proc = spawn(process.execPath, [main], {
    cwd,
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

/** Polls /api/health until 200; returns the milliseconds it took from `since`. */
export async function waitHealthy(server: Server, since: number): Promise<number> {
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

export async function api(server: Server, path: string, key: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url(server, path), {
    ...init,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** SIGTERM and wait; resolves the exit code (null when it had to be killed). */
export async function stop(server: Server, graceMs = 15_000): Promise<number | null> {
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

/** Stops every server this file spawned that is still running. */
export async function stopAllServers(): Promise<void> {
  for (const proc of children) {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      await Promise.race([once(proc, 'exit'), timeout(10_000)]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The PID in a cluster's postmaster.pid, when that process is alive. */
export function runningPostmaster(clusterDir: string): number | undefined {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  return pid > 0 && isAlive(pid) ? pid : undefined;
}

/** An embedded PostgreSQL orphaned by a killed server would hold its data directory: stop it. */
export async function stopOrphanedPostmaster(clusterDir: string): Promise<void> {
  const pid = runningPostmaster(clusterDir);
  if (!pid) return;
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
}

const serverDataDirs: string[] = [];

/** A fresh DATA_DIR in the temp folder, reachable by the postgres user (the embedded database runs as it when we are root). */
export function freshServerDataDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  serverDataDirs.push(dir);
  return dir;
}

/** Stops what the suite's killed servers may have left running in its data directories, then removes them. */
export async function removeServerDataDirs(): Promise<void> {
  for (const dir of serverDataDirs.splice(0)) {
    await stopOrphanedPostmaster(join(dir, 'pg'));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Removes a suite's server build, and its parent when nothing else is left there (others' builds stay). */
export function removeBuild(buildDir: string): void {
  rmSync(buildDir, { recursive: true, force: true });
  try {
    rmdirSync(dirname(buildDir));
  } catch {
    // not empty, or already gone
  }
}
