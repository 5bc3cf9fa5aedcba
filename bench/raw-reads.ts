import type { BenchAgent } from './fixtures';
import { keyHash, RawSession } from './raw-sql';

/*
 * The raw floor of the `read` scenario: each call authenticates the agent key and runs the API's
 * statements for that route (src/issues/issues.service.ts list/get, src/issues/issue-blockers.ts,
 * src/runs/live-runs.service.ts activeForIssues, src/audit/activity.service.ts), one after the
 * other on the worker's own connection, every statement named.
 */

const PRIORITY_ORDER = `CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END`;
const INBOX_STATUSES = ['todo', 'in_progress', 'in_review', 'blocked'];

const SQL = {
  authByIdentifier: `SELECT a.id, a.company_id, a.status, i.id AS issue_id, i.company_id AS issue_company_id
                       FROM agent_api_keys k JOIN agents a ON a.id = k.agent_id LEFT JOIN issues i ON lower(i.identifier) = lower($2)
                      WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
  issue: 'SELECT * FROM issues WHERE id = $1',
  relations: `SELECT issue_id, related_issue_id FROM issue_relations
               WHERE type = 'blocks' AND (issue_id = $1 OR related_issue_id = $1) ORDER BY created_at, id`,
  list: `SELECT * FROM issues WHERE company_id = $1 AND hidden_at IS NULL
          ORDER BY ${PRIORITY_ORDER}, updated_at DESC, id LIMIT $2 OFFSET $3`,
  inbox: `SELECT * FROM issues WHERE company_id = $1 AND hidden_at IS NULL AND status = ANY($2::text[]) AND assignee_agent_id = $3
           ORDER BY ${PRIORITY_ORDER}, updated_at DESC, id LIMIT $4 OFFSET $5`,
  activeRuns: `SELECT DISTINCT ON (i.id) i.id AS for_issue_id, r.*
                 FROM issues i
                 JOIN (SELECT * FROM heartbeat_runs WHERE company_id = $1 AND status IN ('queued', 'running')) r
                   ON r.issue_id = i.id OR r.id = i.execution_run_id OR r.id = i.checkout_run_id
                WHERE i.id = ANY($2::uuid[])
                ORDER BY i.id, (r.status = 'running') DESC, (r.id IS NOT DISTINCT FROM i.execution_run_id) DESC, r.created_at DESC, r.id DESC`,
  activity: `SELECT * FROM activity_log WHERE company_id = $1 AND entity_type = 'issue' AND entity_id = $2
              ORDER BY created_at DESC, id DESC LIMIT $3`,
};

async function issueWithRelations(db: RawSession, issueId: string): Promise<unknown> {
  const [issue] = await db.rows(SQL.issue, [issueId]);
  if (!issue) throw new Error('raw: issue missing');
  return { issue, relations: await db.rows(SQL.relations, [issueId]) };
}

export const rawReads = {
  async byId(db: RawSession, agent: BenchAgent, issueId: string): Promise<unknown> {
    await db.authenticate(agent, issueId);
    return issueWithRelations(db, issueId);
  },

  async byIdentifier(db: RawSession, agent: BenchAgent, identifier: string): Promise<unknown> {
    const [auth] = await db.rows(SQL.authByIdentifier, [keyHash(agent.key), identifier]);
    if (!auth?.issue_id || auth.issue_company_id !== auth.company_id) throw new Error('raw: issue not found');
    return issueWithRelations(db, auth.issue_id);
  },

  async page(db: RawSession, agent: BenchAgent, companyId: string, limit: number, offset: number): Promise<unknown[]> {
    const auth = await db.authenticate(agent, null);
    if (auth.company_id !== companyId) throw new Error('raw: company access denied');
    return db.rows(SQL.list, [companyId, limit, offset]);
  },

  async inbox(db: RawSession, agent: BenchAgent): Promise<unknown[]> {
    const auth = await db.authenticate(agent, null);
    const rows = await db.rows(SQL.inbox, [auth.company_id, INBOX_STATUSES, agent.id, 1000, 0]);
    if (rows.length) await db.rows(SQL.activeRuns, [auth.company_id, rows.map((r) => r.id)]);
    return rows;
  },

  async activity(db: RawSession, agent: BenchAgent, issueId: string, limit: number): Promise<unknown[]> {
    const auth = await db.authenticate(agent, issueId);
    return db.rows(SQL.activity, [auth.company_id, issueId, limit]);
  },
};
