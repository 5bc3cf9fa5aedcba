import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { clusterDir } from './cluster-dir';
import { EmbeddedPostgresError } from './embedded-postgres-error';
import { postgresBinaries } from './postgres-binaries';
import { postgresOsUser } from './postgres-os-user';
import { initCluster, startServer, StopMode } from './postgres-process';

export interface EmbeddedDatabase {
  url: string;
  /** Where the cluster really is: `dir` itself, or where a symlink at `dir` points when it had to be relocated. */
  dir: string;
  /** Fast by default; `immediate` aborts like a crash (the chaos run restarts it both ways). */
  stop(mode?: StopMode): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
// Only the address the URL names: with 127.0.0.1 taken, a start must fail rather than carry on with ::1 alone.
// random_page_cost: the cluster is on a local disk with its working set cached; the default (4) prices
// random reads as on a spinning disk, and the planner then prefers a sequential scan of a big company
// to the pg_trgm indexes of a list search (docs/performance.md, "Reads at scale").
const FLAGS = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=on', '-c', 'random_page_cost=1.1'];

/**
 * Starts a PostgreSQL cluster kept under `dir`, initialising it on first use, with the binaries that
 * embedded-postgres installed. Any failure is one EmbeddedPostgresError line that says what to do.
 */
export async function startEmbeddedPostgres(dir: string, port: number, database = 'clasp'): Promise<EmbeddedDatabase> {
  let server: { stop(mode?: StopMode): Promise<void> } | undefined;
  try {
    const osUser = postgresOsUser();
    const binaries = postgresBinaries(osUser);
    const real = clusterDir(dir, osUser);
    if (!existsSync(join(real, 'PG_VERSION'))) await initCluster(binaries, real, osUser, { username: USER, password: PASSWORD }, port);
    server = await startServer(binaries, real, osUser, port, FLAGS);
    const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`;
    await ensureDatabase(`${url}/postgres`, database);
    const running = server;
    return { url: `${url}/${database}`, dir: real, stop: (mode) => running.stop(mode) };
  } catch (error) {
    await server?.stop().catch(() => undefined);
    if (error instanceof EmbeddedPostgresError) throw error;
    throw new EmbeddedPostgresError(`could not start on port ${port} with its data in ${dir} (${(error as Error)?.message ?? error}): set EMBEDDED_PG_PORT or DATA_DIR, or use DATABASE_URL`);
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
}
