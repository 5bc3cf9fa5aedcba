import type { PoolClient } from 'pg';
import type { Response } from 'supertest';
import type { TestApp } from './test-app';

/**
 * Deterministic interleavings: the test holds a row lock in its own transaction, waits until a
 * request (or a sweep) is queued behind it — seen in pg_stat_activity, not by sleeping — changes
 * what it likes, and commits.
 */
export async function holdRowLock(t: TestApp, table: 'issues' | 'heartbeat_runs', id: string): Promise<PoolClient> {
  const client = await t.db.connect();
  await client.query('BEGIN');
  await client.query(`SELECT 1 FROM ${table} WHERE id = $1 FOR UPDATE`, [id]);
  return client;
}

/** Waits until at least `count` other backends of this database wait on a lock (the work queued behind ours). */
export async function waitForWaiters(t: TestApp, client: PoolClient, count = 1): Promise<void> {
  const { pid } = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0];
  for (let i = 0; i < 1000; i++) {
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> $1 AND wait_event_type = 'Lock'`,
      [pid],
    );
    if (rows[0].n >= count) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`fewer than ${count} waiters ever queued behind the row lock`);
}

/** Sends a supertest request now (supertest only sends on then()). */
export const send = (req: PromiseLike<Response>): Promise<Response> => Promise.resolve(req.then((r) => r));
