import { DataSource, EntityManager } from 'typeorm';
import type { Pool, PoolClient } from 'pg';
import { dataSourceOptions } from '../../src/database/data-source';
import { query, queryInOrder } from '../../src/database/sql';
import { TransactionRunner } from '../../src/database/transaction-runner';
import { Company } from '../../src/companies/company.entity';
import { createTestDatabase, poolFor } from '../helpers/test-database';

/**
 * PiggybackClient: BEGIN travels with a transaction's first statement and queryInOrder batches
 * share one round trip, with the outcome of separate round trips. One pooled connection, so every
 * transaction below runs on the same client and round trips can be counted on it.
 */
describe('PiggybackClient (BEGIN without a round trip of its own, batched statements)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataSource: DataSource;
  let runner: TransactionRunner;
  let db: Pool;
  let roundTrips = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = poolFor(database.url);
    await db.query('CREATE TABLE piggyback_rows (id int PRIMARY KEY, tag int, CONSTRAINT tag_unique UNIQUE (tag) DEFERRABLE INITIALLY DEFERRED)');
    dataSource = await new DataSource(dataSourceOptions(database.url, { poolSize: 1 })).initialize();
    runner = new TransactionRunner(dataSource);
    const pool = (dataSource.driver as unknown as { master: Pool }).master;
    const counted = new WeakSet<PoolClient>();
    pool.on('acquire', (client: PoolClient) => {
      if (counted.has(client)) return;
      counted.add(client);
      (client as unknown as { connection: NodeJS.EventEmitter }).connection.on('readyForQuery', () => roundTrips++);
    });
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.end();
    await database.drop();
  });
  beforeEach(() => db.query('TRUNCATE piggyback_rows'));

  const insert = (em: EntityManager, id: number, tag = id) => query(em, 'INSERT INTO piggyback_rows (id, tag) VALUES ($1, $2) RETURNING id', [id, tag]);
  const storedIds = async () => (await db.query('SELECT id FROM piggyback_rows ORDER BY id')).rows.map((r: { id: number }) => r.id);
  /** Round trips of `work` run in a transaction, once its statements are prepared on the connection. */
  const roundTripsOf = async (work: (em: EntityManager) => Promise<unknown>) => {
    await runner.run(work);
    await db.query('TRUNCATE piggyback_rows');
    const before = roundTrips;
    await runner.run(work);
    return roundTrips - before;
  };

  it('runs a two-statement transaction in three round trips: BEGIN rides with the first, COMMIT is its own', async () => {
    const trips = await roundTripsOf(async (em) => {
      await insert(em, 1);
      await insert(em, 2);
    });
    expect(trips).toBe(3);
    expect(await storedIds()).toEqual([1, 2]);
  });

  it('sends nothing for a transaction that runs no statement', async () => {
    expect(await roundTripsOf(async () => 'nothing to do')).toBe(0);
  });

  it('commits nothing when the last statement fails, and leaves the connection usable', async () => {
    await expect(
      runner.run(async (em) => {
        await insert(em, 1);
        await insert(em, 1, 2); // duplicate primary key
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await storedIds()).toEqual([]);
    await runner.run((em) => insert(em, 3, 3));
    expect(await storedIds()).toEqual([3]);
  });

  it('reports a failing COMMIT to the caller (deferred constraint) and keeps nothing', async () => {
    await expect(
      runner.run(async (em) => {
        await insert(em, 1, 7);
        await insert(em, 2, 7); // the deferred unique check fails at COMMIT
      }),
    ).rejects.toMatchObject({ driverError: { code: '23505', constraint: 'tag_unique' } });
    expect(await storedIds()).toEqual([]);
    await runner.run((em) => insert(em, 4, 4));
    expect(await storedIds()).toEqual([4]);
  });

  it('keeps a first statement that cannot carry BEGIN (simple query, new named statement) inside the transaction', async () => {
    await expect(
      runner.run(async (em) => {
        await em.query('INSERT INTO piggyback_rows (id, tag) VALUES (10, 10)'); // no parameters: simple protocol
        await em.query('SELECT 1/0');
      }),
    ).rejects.toMatchObject({ driverError: { code: '22012' } });
    const firstUse = 'INSERT INTO piggyback_rows (id, tag) VALUES ($1, $1 + 100)';
    await expect(
      runner.run(async (em) => {
        await query(em, firstUse, [11]);
        await query(em, 'SELECT 1/$1::int', [0]);
      }),
    ).rejects.toMatchObject({ code: '22012' });
    expect(await storedIds()).toEqual([]);
  });

  it("rolls back TypeORM's own writes too when the transaction fails", async () => {
    await expect(
      runner.run(async (em) => {
        await em.save(em.create(Company, { name: 'Rolled back', issuePrefix: 'RBK' }));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await db.query("SELECT count(*)::int AS n FROM companies WHERE issue_prefix = 'RBK'")).rows[0].n).toBe(0);
  });

  it('runs queryInOrder statements in order in one round trip, each seeing the ones before', async () => {
    const work = (em: EntityManager) =>
      queryInOrder(em, [
        { text: 'INSERT INTO piggyback_rows (id, tag) VALUES ($1, $1) RETURNING id', values: [1] },
        { text: 'SELECT count(*)::int AS n FROM piggyback_rows WHERE id = $1', values: [1] },
      ]);
    expect(await roundTripsOf(work)).toBe(2); // the batch with BEGIN, then COMMIT
    await db.query('TRUNCATE piggyback_rows');
    await expect(runner.run(work)).resolves.toEqual([[{ id: 1 }], [{ n: 1 }]]);
  });

  it('rejects a queryInOrder batch with the failing statement\'s error, keeps nothing, and leaves the connection usable', async () => {
    const batch = (divisor: number) => (em: EntityManager) =>
      queryInOrder(em, [
        { text: 'INSERT INTO piggyback_rows (id, tag) VALUES ($1, $1) RETURNING id', values: [divisor + 20] },
        { text: 'SELECT 1 / $1::int AS q', values: [divisor] },
      ]);
    await runner.run(batch(1)); // prepares both statements on the connection: the next call is one batch
    await expect(runner.run(batch(0))).rejects.toMatchObject({ code: '22012' });
    await expect(runner.run(batch(2))).resolves.toEqual([[{ id: 22 }], [{ q: 0 }]]);
    expect(await storedIds()).toEqual([21, 22]);
  });

  it('rejects a value pg cannot send (and runs nothing after it), leaving the connection usable', async () => {
    const unsendable = { n: BigInt(1) }; // JSON.stringify throws while pg binds it
    const work = (value: unknown) => async (em: EntityManager) => {
      await insert(em, 30);
      await query(em, 'INSERT INTO piggyback_rows (id, tag) VALUES ($1, ($2::jsonb ->> $3)::int)', [31, value, 'n']);
    };
    await runner.run(work({ n: 31 })); // prepares the statements on the connection
    await db.query('TRUNCATE piggyback_rows');
    await expect(runner.run(work(unsendable))).rejects.toThrow(/BigInt/);
    expect(await storedIds()).toEqual([]);
    await runner.run(work({ n: 31 }));
    expect(await storedIds()).toEqual([30, 31]);
  });

  it('runs statements outside a transaction as pg does', async () => {
    await expect(insert(dataSource.manager, 6, 6)).resolves.toEqual([{ id: 6 }]);
    expect(await storedIds()).toEqual([6]);
  });
});
