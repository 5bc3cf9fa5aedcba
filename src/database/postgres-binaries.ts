import { chmodSync, cpSync, existsSync, lstatSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EmbeddedPostgresError } from './embedded-postgres-error';
import { OsUser, succeedsAs } from './postgres-os-user';
import { ROOT_HOME, rootHomeDir } from './root-home';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** The `native/` folder of embedded-postgres's package for this platform (bin/, lib/, share/). */
function installedNative(): { dir: string; version: string } {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(name); // <package>/dist/index.js, which itself points at ../native/bin
  } catch {
    throw new EmbeddedPostgresError(`no PostgreSQL binaries for ${process.platform}-${process.arch} (${name} is not installed): run npm ci, or set DATABASE_URL`);
  }
  const packageDir = dirname(dirname(entry));
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  return { dir: join(packageDir, 'native'), version };
}

const inside = (native: string): PostgresBinaries => ({ initdb: join(native, 'bin', 'initdb'), postgres: join(native, 'bin', 'postgres') });

/**
 * The binaries as installed, or — when `user` cannot run them there (a checkout inside a 0700 directory such as
 * /root) — a copy under ROOT_HOME that it can, made once per version and shared by every checkout.
 */
export function postgresBinaries(user: OsUser | undefined): PostgresBinaries {
  const installed = installedNative();
  if (!user || succeedsAs(user, inside(installed.dir).postgres, ['--version'])) return inside(installed.dir);
  const copy = join(rootHomeDir(), `postgres-${installed.version}-${process.platform}-${process.arch}`);
  if (!existsSync(copy)) copyReadable(installed.dir, copy);
  const binaries = inside(copy);
  if (!succeedsAs(user, binaries.postgres, ['--version'])) {
    throw new EmbeddedPostgresError(`the ${user.name} user cannot run ${binaries.postgres} either: is ${ROOT_HOME} on a noexec mount? Delete ${copy} to have it copied again`);
  }
  return binaries;
}

/** Copies beside the target and renames it into place, so a concurrent or interrupted copy is never half-seen. */
function copyReadable(source: string, target: string): void {
  const partial = `${target}.partial-${process.pid}`;
  try {
    cpSync(source, partial, { recursive: true, verbatimSymlinks: true });
    openUp(partial);
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (existsSync(target)) return; // another process won the race
    throw new EmbeddedPostgresError(`could not copy the PostgreSQL binaries to ${target} (${(error as Error).message}): make ${ROOT_HOME} writable, or set DATABASE_URL`);
  }
}

/** Modes independent of root's umask: everyone may read, and execute what was executable. */
function openUp(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) openUp(join(path, entry));
  } else {
    chmodSync(path, stat.mode & 0o111 ? 0o755 : 0o644);
  }
}
