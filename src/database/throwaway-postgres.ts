import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDatabase, startEmbeddedPostgres } from './embedded-postgres';
import { freePort } from './free-port';

export interface ThrowawayPostgres {
  /** The fresh temp directory; the cluster's files are in `dir/pg`. The caller removes it. */
  dir: string;
  port: number;
  db: EmbeddedDatabase;
}

/**
 * An embedded PostgreSQL in a fresh temp directory on a free port, for the test suite's global setup
 * and the bench (embedded-postgres is ESM only: Jest test files must not import this module).
 */
export async function startThrowawayPostgres(prefix: string, database: string): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755); // as root, the cluster runs as the postgres user, which must reach its data directory
  const port = await freePort();
  return { dir, port, db: await startEmbeddedPostgres(join(dir, 'pg'), port, database) };
}
