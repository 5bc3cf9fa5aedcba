import type { IssueStatus } from '../../src/issues/issue.entity';
import { randomBytes } from 'node:crypto';
import { RunJwtService } from '../../src/auth/run-jwt.service';
import { decodeJwtSegment, forgeJwt } from './jwt-forgery';
import type { TestApp } from './test-app';

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

const unique = () => randomBytes(4).toString('hex');

export interface CompanyFixture {
  id: string;
  issuePrefix: string;
}

export async function createCompany(t: TestApp, name = `Company ${unique()}`): Promise<CompanyFixture> {
  const res = await t.http().post('/api/companies').set(bearer(t.adminKey)).send({ name }).expect(201);
  return res.body;
}

export interface BoardUserFixture {
  userId: string;
  key: string;
}

/** A board user with a key, and (when companyId is given) a membership of that role. */
export async function createBoardUser(
  t: TestApp,
  companyId?: string,
  role: 'owner' | 'admin' | 'operator' | 'viewer' = 'operator',
  status: 'active' | 'suspended' = 'active',
): Promise<BoardUserFixture> {
  const user = await t.http().post('/api/users').set(bearer(t.adminKey)).send({ email: `u${unique()}@example.com`, name: 'User' }).expect(201);
  const key = await t.http().post(`/api/users/${user.body.id}/keys`).set(bearer(t.adminKey)).send({ name: 'test' }).expect(201);
  if (companyId) {
    await t.http().put(`/api/companies/${companyId}/members/${user.body.id}`).set(bearer(t.adminKey)).send({ role, status }).expect(200);
  }
  return { userId: user.body.id, key: key.body.token };
}

export interface AgentFixture {
  id: string;
  companyId: string;
  name: string;
  key: string;
}

export async function createAgent(t: TestApp, companyId: string, body: Record<string, unknown> = {}): Promise<AgentFixture> {
  const agent = await t.http().post(`/api/companies/${companyId}/agents`).set(bearer(t.adminKey)).send({ name: `Agent-${unique()}`, ...body }).expect(201);
  const key = await t.http().post(`/api/agents/${agent.body.id}/keys`).set(bearer(t.adminKey)).send({ name: 'harness' }).expect(201);
  return { id: agent.body.id, companyId, name: agent.body.name, key: key.body.token };
}

/** Inserts a run row directly, as a harness or a crash would have left it. */
export async function seedRun(
  t: TestApp,
  agent: Pick<AgentFixture, 'id' | 'companyId'>,
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timed_out' = 'running',
): Promise<string> {
  const { rows } = await t.db.query(
    `INSERT INTO heartbeat_runs (company_id, agent_id, status, invocation_source, started_at, last_heartbeat_at, finished_at)
     VALUES ($1, $2, $3, 'on_demand',
             CASE WHEN $3 <> 'queued' THEN now() END,
             CASE WHEN $3 <> 'queued' THEN now() END,
             CASE WHEN $3 NOT IN ('queued', 'running') THEN now() END)
     RETURNING id`,
    [agent.companyId, agent.id, status],
  );
  return rows[0].id;
}

export interface RunJwtSubject {
  agentId: string;
  companyId: string;
  runId: string;
}

/** A run JWT as POST /api/heartbeat-runs/:runId/start issues it: minted by the server's own RunJwtService. */
export async function mintRunJwt(t: TestApp, claims: RunJwtSubject): Promise<string> {
  const { token } = await t.app.get(RunJwtService).sign({ sub: claims.agentId, company_id: claims.companyId, run_id: claims.runId, adapter_type: 'process' });
  return token;
}

/**
 * A server-minted run JWT with one part broken: its header replaced, claims overridden or dropped,
 * or signed with another secret. Re-signed with plain HMAC over AGENT_JWT_SECRET, as a harness would.
 */
export async function forgeRunJwt(
  t: TestApp,
  claims: RunJwtSubject,
  options: { header?: Record<string, unknown>; payload?: Record<string, unknown>; secret?: string; drop?: string[] } = {},
): Promise<string> {
  const payload = { ...decodeJwtSegment((await mintRunJwt(t, claims)).split('.')[1]), ...options.payload };
  for (const claim of options.drop ?? []) delete payload[claim];
  const header = options.header ?? { alg: 'HS256', typ: 'JWT' };
  return forgeJwt(header, payload, header.alg === 'none' ? null : (options.secret ?? t.config.agentJwtSecret));
}

export interface KeyFixture {
  id: string;
  token: string;
}

/** A further board key for a user, created by `asKey` (the instance admin by default). */
export async function createBoardKey(t: TestApp, userId: string, asKey = t.adminKey): Promise<KeyFixture> {
  const res = await t.http().post(`/api/users/${userId}/keys`).set(bearer(asKey)).send({ name: `key-${unique()}` }).expect(201);
  return { id: res.body.id, token: res.body.token };
}

/** A further agent key, created by `asKey` (the instance admin by default). */
export async function createAgentKey(t: TestApp, agentId: string, asKey = t.adminKey): Promise<KeyFixture> {
  const res = await t.http().post(`/api/agents/${agentId}/keys`).set(bearer(asKey)).send({ name: `key-${unique()}` }).expect(201);
  return { id: res.body.id, token: res.body.token };
}

/** Sets an agent's status through the API (e.g. `terminated`). */
export async function setAgentStatus(t: TestApp, agentId: string, status: 'active' | 'paused' | 'terminated'): Promise<void> {
  await t.http().patch(`/api/agents/${agentId}`).set(bearer(t.adminKey)).send({ status }).expect(200);
}

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

/** An in_progress issue of `agent` whose checkout and execution locks name `runId`. */
export function seedIssueLockedBy(
  t: TestApp,
  company: Pick<CompanyFixture, 'id'>,
  agent: Pick<AgentFixture, 'id' | 'name'>,
  runId: string,
  extra: Pick<SeedIssueFields, 'checkoutRunId' | 'executionRunId'> = {},
): Promise<SeededIssue> {
  return seedIssue(t, company, {
    status: 'in_progress',
    assigneeAgentId: agent.id,
    checkoutRunId: runId,
    executionRunId: runId,
    executionAgentNameKey: agent.name.toLowerCase(),
    ...extra,
  });
}
