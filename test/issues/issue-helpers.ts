import { randomUUID } from 'node:crypto';
import { AgentFixture, bearer, CompanyFixture, createAgent, createCompany, seedRun } from '../helpers/factories';
import type { ActivityRow } from '../../src/audit/activity.dto';
import type { IssueRow } from '../../src/issues/issue-row';
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

/** The issue row as PostgreSQL returns it (the same shape the service works on). */
export type IssueDbRow = IssueRow;

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

export type AuditRow = ActivityRow;

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
