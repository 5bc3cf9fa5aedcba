import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { InitialSchema1764000000000 } from '../../migrations/1764000000000-InitialSchema';
import { dataSourceOptions } from '../../src/database/data-source';
import { migrateOnce } from '../../src/database/migrate';
import { INVARIANT_CONSTRAINTS } from '../../src/database/pg-errors';
import { AgentFixture, CompanyFixture, createAgent, createCompany, seedIssue, seedIssueLockedBy, seedRun } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';
import { createTestDatabase, poolFor } from '../helpers/test-database';

const LOCK_COLUMNS = 'status, checkout_run_id, execution_run_id, execution_agent_name_key, execution_locked_at, updated_at';
const refusedBy = (constraint: string) => expect.objectContaining({ code: '23514', constraint });

/** The database itself refuses lock columns that the services would never write (defence in depth). */
describe('issues lock-column constraints', () => {
  let t: TestApp;
  let company: CompanyFixture;
  let agent: AgentFixture;
  let runId: string;

  beforeAll(async () => {
    t = await startTestApp();
    company = await createCompany(t);
    agent = await createAgent(t, company.id);
    runId = await seedRun(t, agent);
  });
  afterAll(() => t?.close());

  const row = async (id: string) => (await t.db.query(`SELECT ${LOCK_COLUMNS} FROM issues WHERE id = $1`, [id])).rows[0];

  it('are the ones the exception filter treats as bugs', async () => {
    const { rows } = await t.db.query(`SELECT conname FROM pg_constraint WHERE conrelid = 'issues'::regclass AND contype = 'c' AND conname LIKE '%lock%' ORDER BY conname`);
    expect(rows.map((r) => r.conname)).toEqual([...INVARIANT_CONSTRAINTS].sort());
  });

  describe('refuse a half-set execution lock written directly in SQL', () => {
    it.each([
      ['execution_agent_name_key dropped', 'execution_agent_name_key = NULL'],
      ['execution_locked_at dropped', 'execution_locked_at = NULL'],
      ['execution_run_id dropped', 'execution_run_id = NULL'],
    ])('%s', async (_name, set) => {
      const issue = await seedIssueLockedBy(t, company, agent, runId);
      const before = await row(issue.id);
      await expect(t.db.query(`UPDATE issues SET ${set} WHERE id = $1`, [issue.id])).rejects.toEqual(refusedBy('issues_execution_lock_whole'));
      expect(await row(issue.id)).toEqual(before);
    });

    it('an execution run id alone, or a name key alone, on an unowned in_progress issue', async () => {
      const issue = await seedIssue(t, company, { status: 'in_progress', assigneeAgentId: agent.id });
      await expect(t.db.query('UPDATE issues SET execution_run_id = $2 WHERE id = $1', [issue.id, runId])).rejects.toEqual(
        refusedBy('issues_execution_lock_whole'),
      );
      await expect(t.db.query(`UPDATE issues SET execution_agent_name_key = 'x', execution_locked_at = now() WHERE id = $1`, [issue.id])).rejects.toEqual(
        refusedBy('issues_execution_lock_whole'),
      );
    });
  });

  describe('refuse a lock on an issue that is not in_progress', () => {
    it('a checkout lock on a todo issue', async () => {
      const issue = await seedIssue(t, company, { status: 'todo' });
      await expect(t.db.query('UPDATE issues SET checkout_run_id = $2 WHERE id = $1', [issue.id, runId])).rejects.toEqual(
        refusedBy('issues_locks_only_in_progress'),
      );
    });

    it.each(['todo', 'in_review', 'blocked', 'done', 'cancelled', 'backlog'])('a locked issue moved to %s without clearing its locks', async (status) => {
      const issue = await seedIssueLockedBy(t, company, agent, runId);
      await expect(t.db.query('UPDATE issues SET status = $2 WHERE id = $1', [issue.id, status])).rejects.toEqual(refusedBy('issues_locks_only_in_progress'));
      expect((await row(issue.id)).status).toBe('in_progress');
    });

    it('an inserted done issue carrying a whole execution lock', async () => {
      await expect(seedIssue(t, company, { status: 'done', executionRunId: runId })).rejects.toEqual(refusedBy('issues_locks_only_in_progress'));
    });
  });

  describe('accept every shape the services write', () => {
    it.each([
      ['both locks (checkout, adoption)', { checkoutRunId: 'run', executionRunId: 'run' }],
      ['no lock (board checkout on behalf, run ended)', {}],
      ['the checkout lock alone (execution run cleared as stale)', { checkoutRunId: 'run' }],
      ['the execution lock alone (checkout run cleared as stale)', { executionRunId: 'run' }],
    ])('in_progress with %s', async (_name, locks: { checkoutRunId?: string; executionRunId?: string }) => {
      const issue = await seedIssue(t, company, {
        status: 'in_progress',
        assigneeAgentId: agent.id,
        checkoutRunId: locks.checkoutRunId && runId,
        executionRunId: locks.executionRunId && runId,
      });
      expect((await row(issue.id)).status).toBe('in_progress');
    });

    it('any other status without locks, and a release that clears all four', async () => {
      const issue = await seedIssueLockedBy(t, company, agent, runId);
      await t.db.query(
        `UPDATE issues SET status = 'todo', checkout_run_id = NULL, execution_run_id = NULL, execution_agent_name_key = NULL, execution_locked_at = NULL
          WHERE id = $1`,
        [issue.id],
      );
      expect(await row(issue.id)).toMatchObject({ status: 'todo', checkout_run_id: null, execution_run_id: null });
    });
  });
});

/** The migration must not fail on rows that already break the rules: it repairs and audits them. */
describe('migration IssueLockConstraints on a database with broken rows', () => {
  let database: { url: string; drop(): Promise<void> };
  let db: Pool;
  let companyId: string;
  const run = randomUUID();
  const ids: Record<string, string> = {};
  const before: Record<string, Record<string, unknown>> = {};

  async function insert(name: string, status: string, locks: Partial<Record<'checkout' | 'execution' | 'nameKey' | 'lockedAt', boolean>>) {
    const { rows } = await db.query(
      `INSERT INTO issues (company_id, title, status, checkout_run_id, execution_run_id, execution_agent_name_key, execution_locked_at)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7 THEN now() - interval '1 hour' END) RETURNING id`,
      [companyId, name, status, locks.checkout ? run : null, locks.execution ? run : null, locks.nameKey ? 'builder' : null, !!locks.lockedAt],
    );
    ids[name] = rows[0].id;
  }

  beforeAll(async () => {
    database = await createTestDatabase('template0');
    const initial = new DataSource({ ...dataSourceOptions(database.url, { poolSize: 2 }), migrations: [InitialSchema1764000000000] });
    await initial.initialize();
    await initial.runMigrations({ transaction: 'each' });
    await initial.destroy();

    db = poolFor(database.url);
    companyId = (await db.query(`INSERT INTO companies (name, issue_prefix) VALUES ('Old Co', 'OLD') RETURNING id`)).rows[0].id;
    const whole = { checkout: true, execution: true, nameKey: true, lockedAt: true };
    await insert('todo, fully locked', 'todo', whole);
    await insert('done, checkout lock only', 'done', { checkout: true });
    await insert('in_progress, execution lock without its name key', 'in_progress', { checkout: true, execution: true, lockedAt: true });
    await insert('in_progress, name key and time without a run', 'in_progress', { nameKey: true, lockedAt: true });
    await insert('in_progress, fully locked', 'in_progress', whole);
    await insert('in_progress, unowned', 'in_progress', {});
    await insert('todo, unlocked', 'todo', {});
    for (const [name, id] of Object.entries(ids)) before[name] = (await db.query(`SELECT ${LOCK_COLUMNS} FROM issues WHERE id = $1`, [id])).rows[0];

    const full = new DataSource(dataSourceOptions(database.url, { poolSize: 2 }));
    await full.initialize();
    await migrateOnce(full);
    await full.destroy();
  }, 30_000);
  afterAll(async () => {
    await db?.end();
    await database?.drop();
  });

  const after = async (name: string) => (await db.query(`SELECT ${LOCK_COLUMNS} FROM issues WHERE id = $1`, [ids[name]])).rows[0];
  const cleared = { checkout_run_id: null, execution_run_id: null, execution_agent_name_key: null, execution_locked_at: null };

  it('clears every lock column of an issue that is not in_progress', async () => {
    expect(await after('todo, fully locked')).toEqual({ ...before['todo, fully locked'], ...cleared });
    expect(await after('done, checkout lock only')).toEqual({ ...before['done, checkout lock only'], ...cleared });
  });

  it('clears a half-set execution lock of an in_progress issue and keeps its checkout lock', async () => {
    expect(await after('in_progress, execution lock without its name key')).toEqual({
      ...before['in_progress, execution lock without its name key'],
      ...cleared,
      checkout_run_id: run,
    });
    expect(await after('in_progress, name key and time without a run')).toEqual({ ...before['in_progress, name key and time without a run'], ...cleared });
  });

  it('leaves rows that keep the rules untouched', async () => {
    for (const name of ['in_progress, fully locked', 'in_progress, unowned', 'todo, unlocked']) expect(await after(name)).toEqual(before[name]);
  });

  it('writes one issue.stale_lock_cleared audit row per repaired issue, with source migration and what it cleared', async () => {
    const { rows } = await db.query(
      `SELECT entity_id, actor_type, actor_id, company_id, details FROM activity_log WHERE action = 'issue.stale_lock_cleared' ORDER BY entity_id`,
    );
    const repaired = ['todo, fully locked', 'done, checkout lock only', 'in_progress, execution lock without its name key', 'in_progress, name key and time without a run'];
    expect(rows.map((r) => r.entity_id)).toEqual(repaired.map((name) => ids[name]).sort());
    expect(rows.every((r) => r.actor_type === 'system' && r.actor_id === 'system' && r.company_id === companyId)).toBe(true);
    const details = (name: string) => rows.find((r) => r.entity_id === ids[name]).details;
    expect(details('todo, fully locked')).toEqual({
      clearedCheckoutRunId: run,
      clearedExecutionRunId: run,
      clearedExecutionAgentNameKey: 'builder',
      clearedExecutionLockedAt: expect.any(String),
      status: 'todo',
      reason: 'lock_outside_in_progress',
      source: 'migration',
    });
    expect(details('in_progress, execution lock without its name key')).toMatchObject({
      clearedCheckoutRunId: null,
      clearedExecutionRunId: run,
      clearedExecutionAgentNameKey: null,
      reason: 'partial_execution_lock',
      source: 'migration',
    });
  });

  it('leaves the constraints in force afterwards', async () => {
    await expect(db.query(`UPDATE issues SET status = 'todo' WHERE id = $1`, [ids['in_progress, fully locked']])).rejects.toEqual(
      refusedBy('issues_locks_only_in_progress'),
    );
  });
});
