import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';

function serverUrl(): string {
  const url = process.env.CLASP_TEST_PG_URL;
  if (!url) throw new Error('CLASP_TEST_PG_URL is unset: run e2e tests through jest (global setup starts PostgreSQL)');
  return url;
}

/**
 * A fresh database cloned from the migrated template: one per test file, dropped at the end.
 * `template0` gives an empty one (migration tests).
 */
export async function createTestDatabase(template = process.env.CLASP_TEST_TEMPLATE): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `clasp_t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  const url = serverUrl().replace(/\/postgres$/, `/${name}`);
  return {
    url,
    drop: async () => {
      const c = new Client({ connectionString: serverUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * A pool for direct SQL. Its idle clients may still be connected when the database is dropped
 * (pg-pool's end() resolves before they close); the server's 57P01 goodbye is expected then.
 */
export function poolFor(url: string): Pool {
  const pool = new Pool({ connectionString: url, max: 4 });
  pool.on('error', (error: Error & { code?: string }) => {
    if (error.code !== '57P01') throw error;
  });
  return pool;
}
