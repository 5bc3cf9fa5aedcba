import { randomUUID } from 'node:crypto';
import { AgentFixture, bearer, CompanyFixture, createAgent, createCompany, seedRun } from '../helpers/factories';
import type { TestApp } from '../helpers/test-app';

/** Helpers shared by the issue-ownership e2e suite (test/issues/*.e2e-spec.ts). */

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timed_out';
export type IssueStatus = 'backlog' | 'todo' | 'in_progress' | 'in_review' | 'blocked' | 'done' | 'cancelled';

/** Headers of an agent request: its key, plus the run id header when a run is given. */
export function asAgent(agent: Pick<AgentFixture, 'key'>, runId?: string | null): Record<string, string> {
  return runId ? { ...bearer(agent.key), 'X-Paperclip-Run-Id': runId } : bearer(agent.key);
}

/** A run id that names no heartbeat_runs row (a lock on it is stale: a missing run counts as terminal). */
export const missingRunId = () => randomUUID();

export interface SeedIssueFields {
  title?: string;
  description?: string | null;
  status?: IssueStatus;
  priority?: 'critical' | 'high' | 'medium' | 'low';
  assigneeAgentId?: string | null;
  assigneeUserId?: string | null;
  checkoutRunId?: string | null;
  executionRunId?: string | null;
  /** Defaults to 'seeded-agent' when an execution run is given. */
  executionAgentNameKey?: string | null;
  parentId?: string | null;
  /** SQL-free: an ISO timestamp for updated_at (ordering tests). */
  updatedAt?: string;
  startedAt?: string | null;
  completedAt?: string | null;
}

export interface SeededIssue {
  id: string;
  identifier: string;
  issueNumber: number;
}

/**
 * Inserts an issues row directly, as a crash would leave it (locks included). Numbers it through
 * the company counter, as the API does, so identifiers stay PREFIX-N and unique.
 */
export async function seedIssue(t: TestApp, company: Pick<CompanyFixture, 'id'>, fields: SeedIssueFields = {}): Promise<SeededIssue> {
  const status = fields.status ?? 'todo';
  const executionRunId = fields.executionRunId ?? null;
  const { rows } = await t.db.query(
    `WITH c AS (UPDATE companies SET issue_counter = issue_counter + 1 WHERE id = $1 RETURNING issue_counter, issue_prefix)
     INSERT INTO issues (company_id, title, description, status, priority, assignee_agent_id, assignee_user_id,
                         checkout_run_id, execution_run_id, execution_agent_name_key, execution_locked_at,
                         parent_id, issue_number, identifier, started_at, completed_at, cancelled_at, updated_at)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9::uuid, $10, CASE WHEN $9::uuid IS NOT NULL THEN now() END,
            $11, c.issue_counter, c.issue_prefix || '-' || c.issue_counter,
            CASE WHEN $12::boolean THEN $13::timestamptz END,
            CASE WHEN $4 = 'done' THEN coalesce($14::timestamptz, now()) END,
            CASE WHEN $4 = 'cancelled' THEN now() END,
            coalesce($15::timestamptz, now())
       FROM c
     RETURNING id, identifier, issue_number`,
    [
      company.id,
      fields.title ?? 'Seeded issue',
      fields.description ?? null,
      status,
      fields.priority ?? 'medium',
      fields.assigneeAgentId ?? null,
      fields.assigneeUserId ?? null,
      fields.checkoutRunId ?? null,
      executionRunId,
      executionRunId ? (fields.executionAgentNameKey ?? 'seeded-agent') : null,
      fields.parentId ?? null,
      fields.startedAt !== undefined ? fields.startedAt !== null : status === 'in_progress',
      fields.startedAt ?? new Date().toISOString(),
      fields.completedAt ?? null,
      fields.updatedAt ?? null,
    ],
  );
  return { id: rows[0].id, identifier: rows[0].identifier, issueNumber: rows[0].issue_number };
}

export interface IssueDbRow {
  id: string;
  company_id: string;
  status: IssueStatus;
  priority: string;
  title: string;
  assignee_agent_id: string | null;
  assignee_user_id: string | null;
  checkout_run_id: string | null;
  execution_run_id: string | null;
  execution_agent_name_key: string | null;
  execution_locked_at: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  cancelled_at: Date | null;
  updated_at: Date;
}

/** The issue row as PostgreSQL holds it (for assertions that must not trust the API's answer). */
export async function issueRow(t: TestApp, issueId: string): Promise<IssueDbRow> {
  const { rows } = await t.db.query('SELECT * FROM issues WHERE id = $1', [issueId]);
  if (!rows[0]) throw new Error(`issue ${issueId} not found`);
  return rows[0];
}

/** The four lock columns (ownership.md §1). */
export function lockColumns(row: IssueDbRow) {
  return {
    checkout_run_id: row.checkout_run_id,
    execution_run_id: row.execution_run_id,
    execution_agent_name_key: row.execution_agent_name_key,
    execution_locked_at: row.execution_locked_at,
  };
}

export const NO_LOCK_COLUMNS = { checkout_run_id: null, execution_run_id: null, execution_agent_name_key: null, execution_locked_at: null };

export interface AuditRow {
  id: string;
  company_id: string | null;
  actor_type: string;
  actor_id: string;
  action: string;
  entity_type: string;
  entity_id: string;
  agent_id: string | null;
  run_id: string | null;
  details: Record<string, unknown>;
  created_at: Date;
}

/** activity_log rows of an issue, oldest first; only `action` when given. */
export async function auditRows(t: TestApp, issueId: string, action?: string): Promise<AuditRow[]> {
  const { rows } = await t.db.query(
    `SELECT * FROM activity_log WHERE entity_type = 'issue' AND entity_id = $1 AND ($2::text IS NULL OR action = $2)
      ORDER BY created_at, id`,
    [issueId, action ?? null],
  );
  return rows;
}

/** POST /api/companies/:companyId/issues as `key` (the instance admin by default); expects 201. */
export async function createIssue(
  t: TestApp,
  companyId: string,
  body: Record<string, unknown> = {},
  headers: Record<string, string> = bearer(t.adminKey),
): Promise<Record<string, any>> {
  const res = await t.http().post(`/api/companies/${companyId}/issues`).set(headers).send({ title: 'An issue', status: 'todo', ...body });
  if (res.status !== 201) throw new Error(`create issue: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export interface World {
  company: CompanyFixture;
  agent: AgentFixture;
  runId: string;
}

/** A fresh company with one agent and one live run of it. */
export async function world(t: TestApp, agentBody: Record<string, unknown> = {}): Promise<World> {
  const company = await createCompany(t);
  const agent = await createAgent(t, company.id, agentBody);
  const runId = await seedRun(t, agent, 'running');
  return { company, agent, runId };
}

/** An agent's checkout through HTTP with its run; expects 200 and returns the issue. */
export async function checkout(t: TestApp, issueId: string, agent: AgentFixture, runId: string, expectedStatuses: IssueStatus[] = ['todo', 'backlog']) {
  const res = await t.http().post(`/api/issues/${issueId}/checkout`).set(asAgent(agent, runId)).send({ agentId: agent.id, expectedStatuses });
  if (res.status !== 200) throw new Error(`checkout: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Record<string, any>;
}

/** The user id behind the bootstrap board key. */
export async function adminUserId(t: TestApp): Promise<string> {
  const res = await t.http().get('/api/me').set(bearer(t.adminKey)).expect(200);
  return res.body.userId;
}
