import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { PiggybackClient } from '../src/database/piggyback-client';
import type { BenchAgent } from './fixtures';

/*
 * The raw-SQL floor: what a careful hand-written pg service does for the same calls, with no
 * framework — one dedicated connection per load worker, every statement named (prepared once per
 * connection), and the API's own statements (src/auth/credentials.service.ts, src/issues/issue-row.ts,
 * src/locks/lock-holders.ts), copied rather than imported so the floor stays put while those move:
 *   authenticate the agent key and find the issue's company (one statement; the key hashed per call);
 *   BEGIN; lock the issue row FOR UPDATE (with the unresolved-blocker flag); lock the holder runs
 *   and the caller's run FOR SHARE, judged live by the database clock; UPDATE + audit INSERT as one
 *   statement; COMMIT.
 * Stock pg sends each in its own round trip (6 per call); `batched` uses the server's
 * PiggybackClient, so BEGIN and both locks share one, as in the API (4 per call).
 */

const LIVE = `(status = 'running' AND coalesce(last_heartbeat_at, started_at, created_at) + $2::int * interval '1 second' >= now())`;

export const RAW_SQL = {
  auth: `SELECT a.id, a.company_id, a.status, (SELECT company_id FROM issues WHERE id = $2) AS issue_company_id
           FROM agent_api_keys k JOIN agents a ON a.id = k.agent_id WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
  lockIssue: `SELECT i.*, EXISTS (SELECT 1 FROM issue_relations r JOIN issues b ON b.id = r.issue_id
                WHERE r.related_issue_id = i.id AND r.type = 'blocks' AND b.status <> 'done') AS has_unresolved_blockers
                FROM issues i WHERE i.id = $1 FOR UPDATE OF i`,
  lockRuns: `SELECT id, status, agent_id, ${LIVE} AS live FROM heartbeat_runs
              WHERE id = ANY(ARRAY[(SELECT checkout_run_id FROM issues WHERE id = $1),
                                   (SELECT execution_run_id FROM issues WHERE id = $1), $3::uuid])
              ORDER BY id FOR SHARE`,
  checkout: `WITH updated AS (UPDATE issues SET status = 'in_progress', assignee_agent_id = $2, checkout_run_id = $3, execution_run_id = $3,
               execution_agent_name_key = $4, execution_locked_at = now(), started_at = coalesce(started_at, now()), updated_at = now()
               WHERE id = $1::uuid RETURNING *),
             audited AS (INSERT INTO activity_log (company_id, actor_type, actor_id, action, entity_type, entity_id, agent_id, run_id, details)
               SELECT company_id, 'agent', $2::uuid::text, 'issue.checked_out', 'issue', $1::uuid::text, $2::uuid, $3::uuid, $5::jsonb FROM updated)
             SELECT * FROM updated`,
  release: `WITH updated AS (UPDATE issues SET status = 'todo', assignee_agent_id = NULL, checkout_run_id = NULL, execution_run_id = NULL,
              execution_agent_name_key = NULL, execution_locked_at = NULL, updated_at = now() WHERE id = $1::uuid RETURNING *),
            audited AS (INSERT INTO activity_log (company_id, actor_type, actor_id, action, entity_type, entity_id, agent_id, run_id, details)
              SELECT company_id, 'agent', $2::uuid::text, 'issue.released', 'issue', $1::uuid::text, $2::uuid, $3::uuid, $4::jsonb FROM updated)
            SELECT * FROM updated`,
};

const statementNames = new Map<string, string>();
export function named(text: string, values: unknown[]): { name: string; text: string; values: unknown[] } {
  let name = statementNames.get(text);
  if (!name) statementNames.set(text, (name = `raw_${statementNames.size + 1}`));
  return { name, text, values };
}

type Row = Record<string, any>;

/** The agent key as agent_api_keys stores it (src/auth/key-hash.ts); hashed on every call, as the API does. */
export const keyHash = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** One load worker's connection and the calls it makes on it. */
export class RawSession {
  private constructor(
    readonly client: Client,
    private readonly batched: boolean,
    private readonly leaseSeconds: number,
  ) {}

  static async open(url: string, batched: boolean, leaseSeconds: number): Promise<RawSession> {
    const client = batched ? new PiggybackClient({ connectionString: url }) : new Client({ connectionString: url });
    await client.connect();
    return new RawSession(client, batched, leaseSeconds);
  }

  async rows(text: string, values: unknown[]): Promise<Row[]> {
    return (await this.client.query(named(text, values))).rows;
  }

  /** The agent behind the key, allowed to reach `issueId`'s company (401/404/403 as errors). */
  async authenticate(agent: BenchAgent, issueId: string | null): Promise<Row> {
    const [row] = await this.rows(RAW_SQL.auth, [keyHash(agent.key), issueId]);
    if (!row || row.status === 'terminated') throw new Error('raw: invalid credentials');
    if (issueId && row.issue_company_id !== row.company_id) throw new Error('raw: issue not found in the agent company');
    return row;
  }

  async checkout(agent: BenchAgent, issueId: string): Promise<Row> {
    await this.authenticate(agent, issueId);
    return this.transaction(issueId, agent.runId, (issue, runs) => {
      if (!runs.get(agent.runId)?.live) throw new Error('raw: run not live');
      if (!['todo', 'backlog', 'blocked'].includes(issue.status) || issue.checkout_run_id || issue.execution_run_id) throw new Error(`raw: checkout conflict (${issue.status})`);
      if (issue.has_unresolved_blockers) throw new Error('raw: blocked');
      const details = JSON.stringify({ agentId: agent.id, runId: agent.runId, previousStatus: issue.status, onBehalf: false });
      return [RAW_SQL.checkout, [issueId, agent.id, agent.runId, agent.name.toLowerCase(), details]];
    });
  }

  async release(agent: BenchAgent, issueId: string): Promise<Row> {
    await this.authenticate(agent, issueId);
    return this.transaction(issueId, agent.runId, (issue, runs) => {
      if (!runs.get(agent.runId)?.live) throw new Error('raw: run not live');
      if (issue.assignee_agent_id !== agent.id || issue.checkout_run_id !== agent.runId) throw new Error('raw: not the owner');
      const details = JSON.stringify({
        previousStatus: issue.status, status: 'todo', previousAssigneeAgentId: issue.assignee_agent_id,
        previousCheckoutRunId: issue.checkout_run_id, previousExecutionRunId: issue.execution_run_id,
      });
      return [RAW_SQL.release, [issueId, agent.id, agent.runId, details]];
    });
  }

  /** BEGIN, both locks, the caller's decision (a write or a throw), the write, COMMIT. */
  private async transaction(issueId: string, runId: string, decide: (issue: Row, runs: Map<string, Row>) => [string, unknown[]]): Promise<Row> {
    const locks = [named(RAW_SQL.lockIssue, [issueId]), named(RAW_SQL.lockRuns, [issueId, this.leaseSeconds, runId])];
    let results: { rows: Row[] }[];
    try {
      if (this.batched) {
        await this.client.query('START TRANSACTION'); // held back by PiggybackClient, sent with the locks
        const batch = this.client as unknown as { query(batch: { statements: typeof locks }): Promise<{ rows: Row[] }[]> };
        results = await batch.query({ statements: locks });
      } else {
        await this.client.query('BEGIN');
        results = [await this.client.query(locks[0]), await this.client.query(locks[1])];
      }
      const issue = results[0].rows[0];
      if (!issue) throw new Error('raw: issue missing');
      const [text, values] = decide(issue, new Map(results[1].rows.map((r) => [r.id, r])));
      const [row] = await this.rows(text, values);
      await this.client.query('COMMIT');
      return row;
    } catch (e) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  close(): Promise<void> {
    return this.client.end().catch(() => undefined);
  }
}
