import { randomInt } from 'node:crypto';
import type { TestApp } from '../helpers/test-app';
import { AgentFixture, bearer } from '../helpers/factories';

/** POST …/heartbeat/invoke as `token` (default: the agent's own key); expects 202. */
export async function invokeRun(t: TestApp, agent: Pick<AgentFixture, 'id' | 'key'>, token = agent.key, body: Record<string, unknown> = {}) {
  const res = await t.http().post(`/api/agents/${agent.id}/heartbeat/invoke`).set(bearer(token)).send(body).expect(202);
  return res.body as { id: string; status: string; [key: string]: unknown };
}

/** invoke → start with the agent's key: a running run and its JWT, as a harness gets them. */
export async function liveRun(t: TestApp, agent: Pick<AgentFixture, 'id' | 'key'>): Promise<{ runId: string; token: string }> {
  const run = await invokeRun(t, agent);
  const started = await t.http().post(`/api/heartbeat-runs/${run.id}/start`).set(bearer(agent.key)).expect(200);
  return { runId: run.id, token: started.body.token };
}

export interface SeededIssue {
  id: string;
  identifier: string;
}

/** An issue row written straight into the table, locks included, as a run would have left it. */
export async function seedIssue(
  t: TestApp,
  fields: {
    companyId: string;
    issuePrefix: string;
    assigneeAgentId?: string | null;
    checkoutRunId?: string | null;
    executionRunId?: string | null;
    executionAgentNameKey?: string | null;
    status?: string;
  },
): Promise<SeededIssue> {
  const number = randomInt(100_000, 999_999_999);
  const identifier = `${fields.issuePrefix}-${number}`;
  const executionRunId = fields.executionRunId ?? null;
  const { rows } = await t.db.query(
    `INSERT INTO issues (company_id, title, status, priority, assignee_agent_id, checkout_run_id, execution_run_id,
                         execution_agent_name_key, execution_locked_at, started_at, issue_number, identifier)
     VALUES ($1, 'Seeded issue', $2, 'medium', $3, $4, $5, $6, CASE WHEN $5::uuid IS NOT NULL THEN now() END,
             CASE WHEN $2 = 'in_progress' THEN now() END, $7, $8)
     RETURNING id`,
    [
      fields.companyId,
      fields.status ?? 'in_progress',
      fields.assigneeAgentId ?? null,
      fields.checkoutRunId ?? null,
      executionRunId,
      executionRunId ? (fields.executionAgentNameKey ?? 'agent') : null,
      number,
      identifier,
    ],
  );
  return { id: rows[0].id, identifier };
}

export interface IssueLocks {
  status: string;
  assignee_agent_id: string | null;
  checkout_run_id: string | null;
  execution_run_id: string | null;
  execution_agent_name_key: string | null;
  execution_locked_at: Date | null;
}

export async function issueLocks(t: TestApp, issueId: string): Promise<IssueLocks> {
  const { rows } = await t.db.query(
    `SELECT status, assignee_agent_id, checkout_run_id, execution_run_id, execution_agent_name_key, execution_locked_at
       FROM issues WHERE id = $1`,
    [issueId],
  );
  return rows[0];
}

export interface ActivityRow {
  actor_type: string;
  actor_id: string;
  action: string;
  entity_type: string;
  entity_id: string;
  agent_id: string | null;
  run_id: string | null;
  details: Record<string, any>;
}

export async function activityFor(t: TestApp, entityId: string, action?: string): Promise<ActivityRow[]> {
  const { rows } = await t.db.query(
    `SELECT actor_type, actor_id, action, entity_type, entity_id, agent_id, run_id, details FROM activity_log
      WHERE entity_id = $1 AND ($2::text IS NULL OR action = $2) ORDER BY created_at, id`,
    [entityId, action ?? null],
  );
  return rows;
}

export async function runRow(t: TestApp, runId: string) {
  const { rows } = await t.db.query('SELECT * FROM heartbeat_runs WHERE id = $1', [runId]);
  return rows[0];
}

/** Moves a run's last sign of life into the past, so its lease runs out without waiting. */
export async function backdateRun(t: TestApp, runId: string, seconds: number): Promise<void> {
  await t.db.query(
    `UPDATE heartbeat_runs
        SET last_heartbeat_at = now() - $2::int * interval '1 second',
            started_at = least(started_at, now() - $2::int * interval '1 second')
      WHERE id = $1`,
    [runId, seconds],
  );
}
