import { DataSource } from 'typeorm';

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
