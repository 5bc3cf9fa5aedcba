import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { userInfo } from 'node:os';
import { explainPostgresExit, explainSpawnError } from './embedded-postgres-error';
import type { PostgresBinaries } from './postgres-binaries';
import type { OsUser } from './postgres-os-user';

const READY = 'database system is ready to accept connections';

/**
 * initdb or postgres, run as `user` when given. Its output is kept (the tail) for explaining a failure — and always
 * read, so a chatty server never blocks on a full pipe. Every way it can fail becomes one EmbeddedPostgresError.
 */
function run(binary: string, args: string[], user: OsUser | undefined, where: { port: number; dir: string }) {
  const child: ChildProcess = spawn(binary, args, {
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
    cwd: '/', // the postgres user may not be allowed into ours
    env: { ...process.env, LC_MESSAGES: 'C' }, // the messages we match, in English
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-8000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const ended = new Promise<void>((resolve, reject) => {
    child.once('error', (error) => reject(explainSpawnError(error, binary, user?.name ?? userInfo().username)));
    child.once('close', (code) => (code === 0 ? resolve() : reject(explainPostgresExit(output, { ...where, exitCode: code }))));
  });
  return { child, ended, output: () => output };
}

/** Creates a cluster in the empty directory `dir` whose superuser `username` logs in with `password`. */
export async function initCluster(binaries: PostgresBinaries, dir: string, user: OsUser | undefined, login: { username: string; password: string }, port: number) {
  const passwordFile = join(dirname(dir), `.pg-password-${randomBytes(6).toString('hex')}`);
  writeFileSync(passwordFile, `${login.password}\n`, { mode: 0o600 });
  try {
    if (user) chownSync(passwordFile, user.uid, user.gid);
    const args = [`--pgdata=${dir}`, '--auth=password', `--username=${login.username}`, `--pwfile=${passwordFile}`, '--lc-messages=C'];
    await run(binaries.initdb, args, user, { port, dir }).ended;
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

/** Starts the server on an existing cluster; resolves once it accepts connections. */
/** PostgreSQL's shutdown modes: fast rolls back and checkpoints; immediate aborts (crash recovery at the next start). */
export type StopMode = 'fast' | 'immediate';
const STOP_SIGNAL: Record<StopMode, NodeJS.Signals> = { fast: 'SIGINT', immediate: 'SIGQUIT' };

export async function startServer(binaries: PostgresBinaries, dir: string, user: OsUser | undefined, port: number, flags: string[]): Promise<{ stop(mode?: StopMode): Promise<void> }> {
  const server = run(binaries.postgres, ['-D', dir, '-p', String(port), ...flags], user, { port, dir });
  await new Promise<void>((resolve, reject) => {
    const ready = () => server.output().includes(READY) && resolve();
    server.child.stderr?.on('data', ready);
    // Settled already if ready: a later exit (a stop) is then the caller's business, not a start failure.
    server.ended.then(() => reject(explainPostgresExit(server.output(), { port, dir, exitCode: 0 })), reject);
  });
  server.ended.catch(() => undefined);
  return {
    stop: async (mode: StopMode = 'fast') => {
      if (server.child.exitCode !== null || server.child.signalCode !== null) return;
      server.child.kill(STOP_SIGNAL[mode]);
      await server.ended.catch(() => undefined);
    },
  };
}
