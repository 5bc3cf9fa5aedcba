import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, rmdirSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { EmbeddedPostgresError } from './embedded-postgres-error';
import { OsUser, succeedsAs } from './postgres-os-user';
import { rootHomeDir } from './root-home';

/**
 * The directory PostgreSQL really keeps the cluster of `dir` (DATA_DIR/pg) in, ready for it to use.
 *
 * As root, PostgreSQL runs as `user`, which cannot enter a DATA_DIR below a 0700 directory (/root, mktemp -d).
 * Such a cluster lives in ROOT_HOME/clusters/<hash of dir>, owned by that user, and `dir` becomes a symlink to
 * it: later starts follow the link, so the data stays put across restarts and the link says where it is.
 */
export function clusterDir(dir: string, user: OsUser | undefined): string {
  try {
    mkdirSync(dirname(dir), { recursive: true });
    const link = lstatSafe(dir)?.isSymbolicLink() ? resolve(dirname(dir), readlinkSync(dir)) : undefined;
    const real = link ?? join(realpathSync(dirname(dir)), basename(dir));
    if (user && !succeedsAs(user, 'test', ['-x', dirname(real)])) return relocate(dir, real, user);
    mkdirSync(real, { recursive: true });
    if (user) ownBy(real, user);
    return real;
  } catch (error) {
    if (error instanceof EmbeddedPostgresError) throw error;
    throw new EmbeddedPostgresError(`cannot prepare ${dir} (${(error as Error).message}): make it writable, or set DATA_DIR to a directory that is`);
  }
}

function relocate(dir: string, real: string, user: OsUser): string {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new EmbeddedPostgresError(
      `the ${user.name} user cannot reach the cluster in ${real}: let it search every directory above it (chmod o+x), or move the cluster somewhere it can and leave a symlink at ${dir}`,
    );
  }
  const target = join(rootHomeDir('clusters'), createHash('sha256').update(real).digest('hex').slice(0, 16));
  mkdirSync(target, { recursive: true });
  if (!lstatSync(target).isDirectory()) throw new EmbeddedPostgresError(`${target} is not a directory: remove it`);
  ownBy(target, user);
  if (existsSync(dir)) rmdirSync(dir);
  symlinkSync(target, dir);
  return target;
}

/** PostgreSQL insists that its data directory belongs to it and is private. */
function ownBy(dir: string, user: OsUser): void {
  chownSync(dir, user.uid, user.gid);
  chmodSync(dir, 0o700);
}

function lstatSafe(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
