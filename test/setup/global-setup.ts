import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { migrateOnce } from '../../src/database/migrate';
import { freePort } from '../helpers/server-process';

export const TEMPLATE_DATABASE = 'clasp_template';

/**
 * Starts one embedded PostgreSQL for the whole run and migrates a template database once;
 * every test file clones its own database from it (test/helpers/test-app.ts).
 */
export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'clasp-test-'));
  chmodSync(dir, 0o755); // the postgres user (when we run as root) must reach its data directory
  const port = await freePort();
  const db = await startEmbeddedPostgres(join(dir, 'pg'), port, TEMPLATE_DATABASE);
  const ds = new DataSource(dataSourceOptions(db.url, { poolSize: 2 }));
  await ds.initialize();
  await migrateOnce(ds);
  await ds.destroy();
  // Nobody may stay connected to a template while it is cloned.
  const admin = new Client({ connectionString: db.url.replace(`/${TEMPLATE_DATABASE}`, '/postgres') });
  await admin.connect();
  await admin.query(`ALTER DATABASE ${TEMPLATE_DATABASE} WITH is_template true`);
  await admin.end();
  process.env.CLASP_TEST_PG_URL = db.url.replace(`/${TEMPLATE_DATABASE}`, '/postgres');
  process.env.CLASP_TEST_TEMPLATE = TEMPLATE_DATABASE;
  process.env.CLASP_TEST_DIR = dir;
  (globalThis as Record<string, unknown>).__claspTestDb = { stop: db.stop, dir };
}
