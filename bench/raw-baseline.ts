import { Pool, PoolClient } from 'pg';
import type { EmbeddedDatabase } from '../src/database/embedded-postgres';
import type { Options } from './cli';
import { env, poolError } from './environment';
import { BenchAgent, Company, createIssues, touchRuns } from './fixtures';
import { CallStats, MeasuredRun, SlicedWorkload } from './scenarios/calls';
import { nowMs } from './stats';
import { Tally, Window } from './window';

// The raw-SQL baseline: the same transaction shapes straight through pg.

const RAW_SELECT_ISSUE = `SELECT id, company_id, status, assignee_agent_id, assignee_user_id, checkout_run_id, execution_run_id,
       execution_agent_name_key, execution_locked_at FROM issues WHERE id = $1 FOR UPDATE`;
const RAW_SELECT_RUN = `SELECT status FROM heartbeat_runs WHERE id = $1 FOR SHARE`;
const RAW_CHECKOUT = `UPDATE issues SET status = 'in_progress', assignee_agent_id = $2, checkout_run_id = $3, execution_run_id = $3,
       execution_agent_name_key = $4, execution_locked_at = now(), started_at = now(), updated_at = now() WHERE id = $1`;
const RAW_RELEASE = `UPDATE issues SET status = 'todo', assignee_agent_id = NULL, checkout_run_id = NULL, execution_run_id = NULL,
       execution_agent_name_key = NULL, execution_locked_at = NULL, updated_at = now() WHERE id = $1`;
const RAW_AUDIT = `INSERT INTO activity_log (company_id, actor_type, actor_id, action, entity_type, entity_id, agent_id, run_id, details)
       VALUES ($1, 'agent', $2, $3, 'issue', $4, $5, $6, $7)`;

/** Unnamed statements by default, as the server's driver sends them; --raw-prepared names them. */
const statementName = (prepared: boolean, name: string): string | undefined => (prepared ? name : undefined);

export async function rawCheckout(db: PoolClient, companyId: string, a: BenchAgent, issueId: string, prepared: boolean): Promise<void> {
  const rawName = (name: string) => statementName(prepared, name);
  await db.query('BEGIN');
  try {
    const issue = await db.query({ name: rawName('raw_sel_issue'), text: RAW_SELECT_ISSUE, values: [issueId] });
    const row = issue.rows[0];
    if (!row) throw new Error('raw: issue missing');
    const run = await db.query({ name: rawName('raw_sel_run'), text: RAW_SELECT_RUN, values: [a.runId] });
    if (run.rows[0]?.status !== 'running') throw new Error('raw: run not live');
    if (row.status !== 'todo' || row.checkout_run_id || row.execution_run_id) throw new Error(`raw: checkout conflict (${row.status})`);
    await db.query({ name: rawName('raw_checkout'), text: RAW_CHECKOUT, values: [issueId, a.id, a.runId, a.name.toLowerCase()] });
    await db.query({ name: rawName('raw_audit'), text: RAW_AUDIT, values: [companyId, a.id, 'issue.checked_out', issueId, a.id, a.runId, JSON.stringify({ agentId: a.id })] });
    await db.query('COMMIT');
  } catch (e) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

export async function rawRelease(db: PoolClient, companyId: string, a: BenchAgent, issueId: string, prepared: boolean): Promise<void> {
  const rawName = (name: string) => statementName(prepared, name);
  await db.query('BEGIN');
  try {
    const issue = await db.query({ name: rawName('raw_sel_issue'), text: RAW_SELECT_ISSUE, values: [issueId] });
    const row = issue.rows[0];
    if (!row) throw new Error('raw: issue missing');
    const run = await db.query({ name: rawName('raw_sel_run'), text: RAW_SELECT_RUN, values: [a.runId] });
    if (run.rows[0]?.status !== 'running') throw new Error('raw: run not live');
    if (row.assignee_agent_id !== a.id || row.checkout_run_id !== a.runId) throw new Error('raw: not the owner');
    await db.query({ name: rawName('raw_release'), text: RAW_RELEASE, values: [issueId] });
    await db.query({ name: rawName('raw_audit'), text: RAW_AUDIT, values: [companyId, a.id, 'issue.released', issueId, a.id, a.runId, JSON.stringify({ agentId: a.id })] });
    await db.query('COMMIT');
  } catch (e) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

export async function rawWorkload(company: Company, agents: BenchAgent[], c: number, opts: Options): Promise<SlicedWorkload<MeasuredRun> & { close(): Promise<void> }> {
  const issues: string[][] = [];
  for (let i = 0; i < c; i++) issues.push(await createIssues(company, opts.issuesPerAgent, `raw C${c} agent ${i + 1}`));
  await touchRuns(agents.slice(0, c));
  const pool = new Pool({ connectionString: (env.db as EmbeddedDatabase).url, max: c });
  pool.on('error', poolError);
  const clients: PoolClient[] = [];
  const close = async () => {
    for (const cl of clients) cl.release();
    await pool.end().catch(() => undefined);
  };
  try {
    for (let i = 0; i < c; i++) clients.push(await pool.connect());
  } catch (e) {
    await close();
    throw e;
  }
  const stats = new CallStats();
  const tally = new Tally();
  const next = new Array<number>(c).fill(0);

  const runSlice = async (warmupMs: number, durationMs: number): Promise<void> => {
    let cycles = 0;
    const w = new Window(warmupMs, durationMs, opts.maxIterations);
    await w.run(c, async (i) => {
      const db = clients[i];
      const a = agents[i];
      const mine = issues[i];
      while (w.next()) {
        const issueId = mine[next[i]++ % mine.length];
        const measured = w.measuring;
        let t = nowMs();
        try {
          await rawCheckout(db, company.id, a, issueId, opts.rawPrepared);
        } catch (e) {
          if (measured) stats.errors.add(`raw checkout: ${(e as Error).message}`);
          continue;
        }
        if (measured) stats.latencies.checkout.add(nowMs() - t);
        t = nowMs();
        try {
          await rawRelease(db, company.id, a, issueId, opts.rawPrepared);
        } catch (e) {
          if (measured) stats.errors.add(`raw release: ${(e as Error).message}`);
          continue;
        }
        if (measured) {
          stats.latencies.release.add(nowMs() - t);
          cycles++;
        }
      }
    });
    tally.add(w, cycles);
  };
  return { runSlice, result: () => stats.measured(c, tally), close };
}
