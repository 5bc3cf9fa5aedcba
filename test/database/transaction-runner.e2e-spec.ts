import { EntityManager } from 'typeorm';
import { TransactionRunner } from '../../src/database/transaction-runner';
import { createCompany } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';

/** ownership.md §11: a deadlock retries the whole unit of work; a lock wait is bounded. */
describe('TransactionRunner against PostgreSQL', () => {
  let t: TestApp;
  let runner: TransactionRunner;
  let rowA: string;
  let rowB: string;

  beforeAll(async () => {
    t = await startTestApp({ lockTimeoutMs: 3000 });
    runner = t.app.get(TransactionRunner);
    rowA = (await createCompany(t)).id;
    rowB = (await createCompany(t)).id;
  });
  afterAll(() => t.close());

  const lock = (em: EntityManager, id: string) => em.query('SELECT id FROM companies WHERE id = $1 FOR UPDATE', [id]);

  it('retries the whole unit when PostgreSQL breaks a deadlock, so both units complete', async () => {
    let attempts = 0;
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothHoldTheirFirstRow = new Promise<void>((resolve) => (release = resolve));
    const unit = (first: string, second: string, label: string) =>
      runner.run(async (em) => {
        attempts++;
        await lock(em, first);
        if (++arrived === 2) release();
        await bothHoldTheirFirstRow;
        await lock(em, second); // opposite orders: one of the two is chosen as the deadlock victim
        await em.query('UPDATE companies SET description = $2 WHERE id = $1', [first, label]);
        return label;
      });

    await expect(Promise.all([unit(rowA, rowB, 'ab'), unit(rowB, rowA, 'ba')])).resolves.toEqual(['ab', 'ba']);
    expect(attempts).toBe(3);
    const { rows } = await t.db.query('SELECT description FROM companies WHERE id = ANY($1) ORDER BY description', [[rowA, rowB]]);
    expect(rows.map((r: { description: string }) => r.description)).toEqual(['ab', 'ba']);
  });

  it('rethrows other errors at once, without retrying', async () => {
    let attempts = 0;
    await expect(
      runner.run(async (em) => {
        attempts++;
        await em.query('SELECT 1/0');
      }),
    ).rejects.toMatchObject({ driverError: { code: '22012' } });
    expect(attempts).toBe(1);
  });
});
