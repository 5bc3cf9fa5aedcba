import type { PoolClient } from 'pg';
import { AgentFixture, bearer, CompanyFixture, createAgent, createCompany } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';
import { liveRun } from '../runs/run-helpers';
import { Ledger } from './chaos-ledger';
import { checkInvariants, InvariantName, InvariantReport } from './invariants';

/**
 * Each invariant check of the chaos run catches the broken state it is there for: a healthy trail
 * reports 0 everywhere, then each test plants one violation (dropping the constraint that would
 * refuse it, inside a transaction that is rolled back) and expects its check to count it.
 */
const OPTIONS = { leaseSeconds: 300, sweepGraceSeconds: 3 };

describe('chaos invariants', () => {
  let t: TestApp;
  let company: CompanyFixture;
  let agent: AgentFixture;
  let other: AgentFixture;
  const ledger = new Ledger();
  /** Checked out, PATCHed, commented and released: todo again. */
  let released: { id: string; identifier: string };
  /** Checked out and still held by `holder`. */
  let held: { id: string; identifier: string };
  let holder: string;
  let otherRun: string;

  async function createIssue(title: string) {
    const res = await t.http().post(`/api/companies/${company.id}/issues`).set(bearer(t.adminKey)).send({ title, status: 'todo' }).expect(201);
    ledger.entries.created.push({ issueId: res.body.id });
    return { id: res.body.id as string, identifier: res.body.identifier as string };
  }

  /** checkout → PATCH → comment (→ release) as the agent's run, each acknowledged write in the ledger as the chaos agents keep it. */
  async function cycle(issueId: string, run: { runId: string; token: string }, release: boolean) {
    const as = bearer(run.token);
    await t.http().post(`/api/issues/${issueId}/checkout`).set(as).send({ agentId: agent.id, expectedStatuses: ['todo'] }).expect(200);
    ledger.entries.checkouts.push({ issueId, runId: run.runId });
    const description = `written by ${run.runId} on ${issueId}`;
    await t.http().patch(`/api/issues/${issueId}`).set(as).send({ description }).expect(200);
    ledger.entries.patches.push({ issueId, runId: run.runId, description });
    const body = `comment on ${issueId}`;
    const comment = await t.http().post(`/api/issues/${issueId}/comments`).set(as).send({ body }).expect(201);
    ledger.entries.comments.push({ issueId, commentId: comment.body.id, body });
    if (!release) return;
    await t.http().post(`/api/issues/${issueId}/release`).set(as).expect(200);
    ledger.entries.releases.push({ issueId, runId: run.runId });
  }

  beforeAll(async () => {
    t = await startTestApp();
    company = await createCompany(t);
    agent = await createAgent(t, company.id);
    other = await createAgent(t, company.id);
    released = await createIssue('released');
    held = await createIssue('held');
    const run = await liveRun(t, agent);
    holder = run.runId;
    otherRun = (await liveRun(t, other)).runId;
    await cycle(released.id, run, true);
    await cycle(held.id, run, false);
  });
  afterAll(() => t?.close());

  /** Runs `plant` and the checks in one transaction, then rolls it all back. */
  async function plantAndCheck(plant: (db: PoolClient) => Promise<unknown>): Promise<InvariantReport> {
    const db = await t.db.connect();
    try {
      await db.query('BEGIN');
      await plant(db);
      return await checkInvariants(db, ledger.entries, OPTIONS);
    } finally {
      await db.query('ROLLBACK');
      db.release();
    }
  }

  const counts = (report: InvariantReport) => Object.fromEntries(Object.entries(report).map(([name, { count }]) => [name, count]));
  const expectCaught = (report: InvariantReport, name: InvariantName) => expect(report[name].count).toBeGreaterThanOrEqual(1);

  it('reports 0 for every invariant on a healthy trail', async () => {
    const report = await checkInvariants(t.db, ledger.entries, OPTIONS);
    expect(Object.values(counts(report))).toEqual(Object.keys(report).map(() => 0));
    expect(ledger.size).toBe(9);
  });

  it('lock_outside_in_progress: a lock left on a todo issue', async () => {
    const report = await plantAndCheck(async (db) => {
      await db.query('ALTER TABLE issues DROP CONSTRAINT issues_locks_only_in_progress');
      await db.query('UPDATE issues SET checkout_run_id = $2 WHERE id = $1', [released.id, holder]);
    });
    expectCaught(report, 'lock_outside_in_progress');
  });

  it('execution_lock_half_set: an execution lock without its agent name', async () => {
    const report = await plantAndCheck(async (db) => {
      await db.query('ALTER TABLE issues DROP CONSTRAINT issues_execution_lock_whole');
      await db.query('UPDATE issues SET execution_agent_name_key = NULL WHERE id = $1', [held.id]);
    });
    expectCaught(report, 'execution_lock_half_set');
  });

  it('lock_held_by_dead_run: a lock whose run has ended', async () => {
    const report = await plantAndCheck((db) => db.query(`UPDATE heartbeat_runs SET status = 'succeeded', finished_at = now() WHERE id = $1`, [holder]));
    expectCaught(report, 'lock_held_by_dead_run');
  });

  it('lock_held_by_dead_run: a lock whose run went silent longer than the lease and a sweep interval', async () => {
    const report = await plantAndCheck((db) =>
      db.query(`UPDATE heartbeat_runs SET last_heartbeat_at = now() - interval '310 seconds', started_at = now() - interval '310 seconds' WHERE id = $1`, [holder]),
    );
    expectCaught(report, 'lock_held_by_dead_run');
  });

  it('lock_without_checkout_audit: a lock nobody audited taking', async () => {
    const report = await plantAndCheck((db) => db.query(`DELETE FROM activity_log WHERE entity_id = $1 AND action = 'issue.checked_out'`, [held.id]));
    expectCaught(report, 'lock_without_checkout_audit');
  });

  it.each([
    ['a comment row lost', `DELETE FROM issue_comments WHERE issue_id = $1`],
    ['a PATCH audit row lost', `DELETE FROM activity_log WHERE entity_id = $1 AND action = 'issue.updated'`],
    ['a release audit row lost', `DELETE FROM activity_log WHERE entity_id = $1 AND action = 'issue.released'`],
    ['a PATCHed value lost from the row', `UPDATE issues SET description = 'rolled back' WHERE id = $1`],
    ['a created issue lost', `DELETE FROM issues WHERE id = $1`],
  ])('acknowledged_write_missing: %s', async (_what, sql) => {
    const report = await plantAndCheck((db) => db.query(sql, [released.id]));
    expectCaught(report, 'acknowledged_write_missing');
  });

  it('overlapping_owners: a second run audited taking an issue another live run holds', async () => {
    const report = await plantAndCheck((db) =>
      db.query(
        `INSERT INTO activity_log (company_id, actor_type, actor_id, action, entity_type, entity_id, agent_id, run_id, details)
         VALUES ($1, 'agent', $2::text, 'issue.checked_out', 'issue', $3, $2::uuid, $4, '{}')`,
        [company.id, other.id, held.id, otherRun],
      ),
    );
    expectCaught(report, 'overlapping_owners');
  });

  it('duplicate_identifiers: two issues answering to one identifier', async () => {
    const report = await plantAndCheck(async (db) => {
      await db.query('DROP INDEX issues_identifier_lower_idx');
      await db.query('UPDATE issues SET identifier = lower($2) WHERE id = $1', [held.id, released.identifier]);
    });
    expectCaught(report, 'duplicate_identifiers');
  });

  it('issue_counter_behind: the company counter below its highest issue number', async () => {
    const report = await plantAndCheck((db) => db.query('UPDATE companies SET issue_counter = 1 WHERE id = $1', [company.id]));
    expectCaught(report, 'issue_counter_behind');
  });
});
