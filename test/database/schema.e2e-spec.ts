import type { Pool } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { dataSourceOptions, ENTITIES } from '../../src/database/data-source';
import { createTestDatabase, poolFor } from '../helpers/test-database';

/**
 * Migrations are the schema's contract (reviewed SQL); the entities describe the same schema.
 * Three checks that they agree, on a database cloned from the migrated template:
 *  1. TypeORM's own schema builder has nothing to change (its diff, in both directions, for the
 *     entities' tables: columns, types, nullability, defaults, uniques, indexes, checks by name, FKs).
 *  2. Every table the migrations create has an entity (TypeORM only looks at the entities' tables).
 *  3. The catalog of a database that TypeORM builds from the entities equals the migrated one,
 *     definition by definition as PostgreSQL prints them. This sees what (1) is blind to: TypeORM
 *     compares check constraints by name only and indexes without their WHERE, and ignores
 *     primary-key names.
 * synchronize stays off in the application; (3) runs the schema builder explicitly, on a throwaway
 * database of its own.
 */

type Db = { url: string; drop(): Promise<void> };

/** The list order's priority rank as pg_get_indexdef prints it (migrations/1796185352768-IssueListIndexes.ts). */
const PRINTED_RANK = ['(', 'CASE priority', "    WHEN 'critical'::text THEN 0", "    WHEN 'high'::text THEN 1", "    WHEN 'medium'::text THEN 2", '    ELSE 3', 'END)'].join('\n');

/** An expression or operator-class index on issues: TypeORM can describe neither; the entity names it with synchronize: false. */
function migrationOnly(index: string, definition: string) {
  return {
    [`issues index ${index}`]: {
      migration: `CREATE INDEX ${index} ON public.issues USING ${definition}`,
      entities: undefined,
      why: 'an expression or operator-class index (issue list order, pg_trgm): TypeORM can describe neither',
    },
  };
}

/**
 * Differences TypeORM cannot express, each named. Every entry must still differ (a stale entry fails),
 * and must differ exactly as recorded here: anything else about the object is still compared.
 */
const KNOWN_DIFFERENCES: Record<string, { migration: string | undefined; entities: string | undefined; why: string }> = {
  'heartbeat_runs index heartbeat_runs_company_created_idx': {
    migration: 'CREATE INDEX heartbeat_runs_company_created_idx ON public.heartbeat_runs USING btree (company_id, created_at DESC)',
    entities: 'CREATE INDEX heartbeat_runs_company_created_idx ON public.heartbeat_runs USING btree (company_id, created_at)',
    why: 'TypeORM @Index has no per-column sort order (DESC); columns, name and uniqueness still agree',
  },
  'heartbeat_runs index heartbeat_runs_agent_idx': {
    migration: 'CREATE INDEX heartbeat_runs_agent_idx ON public.heartbeat_runs USING btree (agent_id, created_at DESC)',
    entities: 'CREATE INDEX heartbeat_runs_agent_idx ON public.heartbeat_runs USING btree (agent_id, created_at)',
    why: 'TypeORM @Index has no per-column sort order (DESC)',
  },
  'activity_log index activity_log_company_created_idx': {
    migration: 'CREATE INDEX activity_log_company_created_idx ON public.activity_log USING btree (company_id, created_at DESC, id DESC)',
    entities: 'CREATE INDEX activity_log_company_created_idx ON public.activity_log USING btree (company_id, created_at, id)',
    why: 'TypeORM @Index has no per-column sort order (DESC)',
  },
  'activity_log index activity_log_entity_idx': {
    migration: 'CREATE INDEX activity_log_entity_idx ON public.activity_log USING btree (entity_type, entity_id, created_at DESC)',
    entities: 'CREATE INDEX activity_log_entity_idx ON public.activity_log USING btree (entity_type, entity_id, created_at)',
    why: 'TypeORM @Index has no per-column sort order (DESC)',
  },
  'issues index issues_identifier_lower_idx': {
    migration: 'CREATE UNIQUE INDEX issues_identifier_lower_idx ON public.issues USING btree (lower(identifier))',
    entities: undefined,
    why: 'an expression index: TypeORM can neither describe nor load one; the entity names it with synchronize: false',
  },
  ...migrationOnly('issues_company_order_idx', `btree (company_id, ${PRINTED_RANK}, updated_at DESC, id) WHERE (hidden_at IS NULL)`),
  ...migrationOnly('issues_company_status_order_idx', `btree (company_id, status, ${PRINTED_RANK}, updated_at DESC, id) WHERE (hidden_at IS NULL)`),
  ...migrationOnly('issues_company_assignee_order_idx', `btree (company_id, assignee_agent_id, ${PRINTED_RANK}, updated_at DESC, id) WHERE (hidden_at IS NULL)`),
  ...migrationOnly('issues_title_trgm_idx', 'gin (title gin_trgm_ops)'),
  ...migrationOnly('issues_identifier_trgm_idx', 'gin (identifier gin_trgm_ops)'),
  ...migrationOnly('issues_description_trgm_idx', 'gin (description gin_trgm_ops)'),
};

/** Every column, constraint and index of the public tables, keyed "table kind name", as PostgreSQL prints it. */
async function catalog(pool: Pool): Promise<Map<string, string>> {
  const { rows } = await pool.query<{ key: string; definition: string }>(`
    SELECT c.table_name || ' column ' || c.column_name AS key,
           concat_ws(' ', format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN 'NOT NULL' END,
                     'DEFAULT ' || pg_get_expr(d.adbin, d.adrelid)) AS definition
      FROM information_schema.columns c
      JOIN pg_attribute a ON a.attrelid = format('%I.%I', c.table_schema, c.table_name)::regclass AND a.attname = c.column_name
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE c.table_schema = 'public' AND c.table_name <> 'migrations'
    UNION ALL
    SELECT t.relname || ' constraint ' || k.conname, pg_get_constraintdef(k.oid)
      FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = 'public' AND t.relname <> 'migrations'
    UNION ALL
    SELECT tablename || ' index ' || indexname, indexdef
      FROM pg_indexes
     WHERE schemaname = 'public' AND tablename <> 'migrations'
       -- the index behind a primary key or unique constraint is that constraint, compared above
       AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))`);
  return new Map(rows.map((r) => [r.key, r.definition]));
}

describe('schema: entities ≡ migrations', () => {
  let migrated: Db;
  let ds: DataSource;
  let pool: Pool;

  beforeAll(async () => {
    migrated = await createTestDatabase();
    ds = new DataSource(dataSourceOptions(migrated.url, { poolSize: 2 }));
    await ds.initialize();
    pool = poolFor(migrated.url);
  });
  afterAll(async () => {
    await pool?.end();
    await ds?.destroy();
    await migrated?.drop();
  });

  it('TypeORM has nothing to change in the migrated database', async () => {
    const { upQueries } = await ds.driver.createSchemaBuilder().log();
    const diff = upQueries.map((q) => q.query + (q.parameters?.length ? `  -- ${JSON.stringify(q.parameters)}` : ''));
    if (diff.length) throw new Error(`The entities differ from the migrations; TypeORM would run:\n  ${diff.join(';\n  ')}`);
  });

  it('every table the migrations create has an entity', async () => {
    const { rows } = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'migrations' ORDER BY 1`,
    );
    const described = new Set(ds.entityMetadatas.map((m) => m.tableName));
    expect(rows.map((r) => r.table_name).filter((t) => !described.has(t))).toEqual([]);
    expect(ds.entityMetadatas).toHaveLength(ENTITIES.length);
  });

  it('a database built from the entities has the migrated catalog, definition by definition', async () => {
    const built = await createTestDatabase('template0');
    // uuidExtension only decides which uuid default TypeORM writes into DDL (and which extension it
    // installs on connect): the migrations use gen_random_uuid(). The application never writes DDL.
    const options = dataSourceOptions(built.url, { poolSize: 2 }) as Extract<DataSourceOptions, { type: 'postgres' }>;
    const fromEntities = new DataSource({ ...options, uuidExtension: 'pgcrypto' });
    const builtPool = poolFor(built.url);
    try {
      await fromEntities.initialize();
      await fromEntities.driver.createSchemaBuilder().build();
      const [want, got] = [await catalog(pool), await catalog(builtPool)];

      const differences: string[] = [];
      const stale: string[] = [];
      for (const key of [...new Set([...want.keys(), ...got.keys()])].sort()) {
        const [migration, entities] = [want.get(key), got.get(key)];
        const known = KNOWN_DIFFERENCES[key];
        if (known) {
          if (known.migration !== migration || known.entities !== entities) stale.push(`${key}: now migration=${migration} entities=${entities}`);
          continue;
        }
        if (migration !== entities) differences.push(`${key}\n    migration: ${migration ?? '(none)'}\n    entities:  ${entities ?? '(none)'}`);
      }
      if (differences.length) throw new Error(`Entities and migrations differ:\n  ${differences.join('\n  ')}`);
      if (stale.length) throw new Error(`KNOWN_DIFFERENCES entries no longer match; update or remove them:\n  ${stale.join('\n  ')}`);
    } finally {
      await builtPool.end();
      if (fromEntities.isInitialized) await fromEntities.destroy();
      await built.drop();
    }
  });
});
