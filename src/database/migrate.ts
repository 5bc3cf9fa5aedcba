import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';

/** Arbitrary constant shared by every Clasp process: the advisory lock that serialises migrations. */
const MIGRATION_LOCK_KEY = 7_361_001;

/**
 * Applies pending migrations exactly once even when several processes start together:
 * the others wait on the advisory lock and then find nothing pending.
 */
export async function migrateOnce(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    // Waiting for another process's migrations may take longer than the request lock timeout;
    // RESET gives the pooled connection its default back.
    await runner.query('SET lock_timeout = 0');
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      await runner.query('RESET lock_timeout');
    }
  } finally {
    await runner.release();
  }
}

/**
 * Migrations on a short-lived connection of their own, without the application: the cluster's
 * primary applies them once before it forks workers (whose own migrateOnce then finds nothing).
 */
// Two connections: migrateOnce holds one for the advisory lock while the migrations run on another.
export async function migrateUrl(url: string): Promise<void> {
  const dataSource = new DataSource(dataSourceOptions(url, { poolSize: 2, batching: false }));
  await dataSource.initialize();
  try {
    await migrateOnce(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
