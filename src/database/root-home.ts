import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedPostgresError } from './embedded-postgres-error';

/** Where root keeps what the postgres user must reach but a checkout may hide from it: binaries, clusters. */
export const ROOT_HOME = '/var/lib/clasp';

/**
 * ROOT_HOME or a folder inside it, created if missing and searchable by everyone whatever root's umask.
 * Refused when anyone but root could have put things there: the postgres user runs what it finds.
 */
export function rootHomeDir(...parts: string[]): string {
  let dir = '';
  for (const part of [ROOT_HOME, ...parts]) {
    dir = dir ? join(dir, part) : part;
    mkdirSync(dir, { recursive: true });
    const stat = lstatSync(dir);
    if (!stat.isDirectory() || stat.uid !== 0 || stat.mode & 0o022) {
      throw new EmbeddedPostgresError(`${dir} must be a directory owned by root and writable only by it: fix or remove it`);
    }
    chmodSync(dir, 0o755);
  }
  return dir;
}
