import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source';
import { migrateOnce } from '../../src/database/migrate';
import { startThrowawayPostgres } from '../../src/database/throwaway-postgres';

export const TEMPLATE_DATABASE = 'clasp_template';

/**
 * Starts one embedded PostgreSQL for the whole run and migrates a template database once;
 * every test file clones its own database from it (test/helpers/test-app.ts).
 */
export default async function globalSetup(): Promise<void> {
  const { dir, db } = await startThrowawayPostgres('clasp-test-', TEMPLATE_DATABASE);
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
