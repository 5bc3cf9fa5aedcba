import type { EntityManager } from 'typeorm';

/**
 * Runs an UPDATE/DELETE … RETURNING and gives back its rows. TypeORM answers such statements with
 * `[rows, rowCount]` but plain SELECTs with `rows`; this hides the difference.
 */
export async function returning<T>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const raw = await em.query(sql, params);
  if (Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number') return raw[0] as T[];
  return raw as T[];
}
