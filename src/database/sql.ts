import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { RowLookup } from './row-lookup';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { PiggybackClient, type StatementBatchConfig } from './piggyback-client';

interface PgQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/** A statement and its parameters, for queryInOrder. */
export interface Statement {
  text: string;
  values: unknown[];
}

const statementNames = new Map<string, string>();

function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `clasp_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Runs one statement as a named prepared statement on the manager's connection: the
 * transaction's own when `em` belongs to one, else the pool. PostgreSQL parses and plans each
 * statement once per connection instead of on every call — on the ownership hot path that was
 * most of the database's CPU. Errors keep their SQLSTATE in `code` for the filter and the retry.
 */
export async function query<T>(em: EntityManager, text: string, values: unknown[] = []): Promise<T[]> {
  const client: PgQueryable = em.queryRunner ? await em.queryRunner.connect() : (em.connection.driver as PostgresDriver).master;
  const result = await client.query({ name: statementName(text), text, values: values.map(jsonIfObject) });
  return result.rows as T[];
}

/**
 * query() as an unnamed statement: planned for its values on every call. For a statement whose best
 * plan depends on a value (a search pattern: rare → trigram index, common → the ordered index), where
 * a cached generic plan could be a scan of a whole company.
 */
export async function queryPlannedPerCall<T>(em: EntityManager, text: string, values: unknown[] = []): Promise<T[]> {
  const client: PgQueryable = em.queryRunner ? await em.queryRunner.connect() : (em.connection.driver as PostgresDriver).master;
  const result = await client.query({ text, values: values.map(jsonIfObject) } as never);
  return result.rows as T[];
}

/**
 * Objects go to PostgreSQL as JSON text, as pg would send them — but serialized here, before pg
 * sees them: pg fails on an unserializable value only after counting the named statement as
 * prepared on the connection, which breaks every later use of it there.
 */
function jsonIfObject(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Date || Array.isArray(value) || Buffer.isBuffer(value)) return value;
  return JSON.stringify(value);
}

/**
 * Runs statements one after the other — in one round trip when `em` belongs to a transaction on a
 * PiggybackClient, else one by one: each sees what the previous ones did and locked, and an error
 * stops the rest. Resolves to each statement's rows.
 */
export async function queryInOrder(em: EntityManager, statements: Statement[]): Promise<unknown[][]> {
  const client: unknown = em.queryRunner?.isTransactionActive ? await em.queryRunner.connect() : null;
  if (!(client instanceof PiggybackClient)) {
    const results: unknown[][] = [];
    for (const { text, values } of statements) results.push(await query(em, text, values));
    return results;
  }
  const batch: StatementBatchConfig = { statements: statements.map(({ text, values }) => ({ name: statementName(text), text, values })) };
  const results = (await client.query(batch as never)) as unknown as { rows: unknown[] }[];
  return results.map((result) => result.rows);
}

/**
 * Runs independent single-row lookups as one statement — one round trip — each row coming back
 * as JSON (`to_jsonb`), so lookups should select text, numbers, booleans and JSON only.
 */
export async function lookupRows(em: EntityManager, lookups: RowLookup<unknown>[]): Promise<(Record<string, any> | undefined)[]> {
  const params: unknown[] = [];
  const columns = lookups.map((lookup, i) => {
    const offset = params.length;
    params.push(...lookup.params);
    const sql = lookup.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
    return `(SELECT to_jsonb(q) FROM (${sql}) q LIMIT 1) AS r${i}`;
  });
  const [row] = await query<Record<string, any>>(em, `SELECT ${columns.join(', ')}`, params);
  return lookups.map((_, i) => row[`r${i}`] ?? undefined);
}

