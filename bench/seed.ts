import type { Pool } from 'pg';
import type { Options } from './cli';
import { env, log } from './environment';
import type { BenchAgent, Company } from './fixtures';
import { nowMs } from './stats';

// --issues N: a large data set in seconds, through single INSERT … SELECT FROM generate_series statements.

export const SMALL_COMPANIES = 200;
/** Issues assigned to each bench agent (in inbox statuses): what GET /api/agents/me/inbox-lite returns. */
export const INBOX_SIZE = 20;
export const SEED_TITLE = 'Seeded issue';

export interface SeedResult {
  issues: number;
  bigCompanyIssues: number;
  activityRows: number;
  issueMs: number;
  activityMs: number;
}

/**
 * 90 % of the issues go to the bench company, the rest round-robin to SMALL_COMPANIES companies
 * created here. Statuses and priorities are mixed; no row is in_progress, so the lock columns stay
 * null (issues_locks_only_in_progress). The first INBOX_SIZE × agents issues of the bench company
 * are its agents' inboxes. Identifiers are PREFIX-n, and every company's issue_counter ends at its
 * highest n, so issues created through the API afterwards continue the numbering.
 */
export async function seedIssues(company: Company, agents: BenchAgent[], opts: Options): Promise<SeedResult> {
  const n = opts.issues;
  const smallTotal = Math.floor(n * 0.1);
  const smallCount = Math.min(SMALL_COMPANIES, smallTotal);
  const big = n - (smallCount ? smallTotal : 0);
  const client = await (env.pool as Pool).connect();
  try {
    await client.query('SET synchronous_commit = off');
    const t0 = nowMs();
    await client.query('BEGIN');
    const runTag = Date.now().toString(36).toUpperCase();
    const small = await client.query(
      `INSERT INTO companies (name, issue_prefix)
       SELECT 'Small ' || g, 'S' || $1::text || 'X' || g FROM generate_series(1, $2::int) g RETURNING id, issue_prefix`,
      [runTag, smallCount],
    );
    const [{ issue_counter: counter }] = (await client.query('SELECT issue_counter FROM companies WHERE id = $1 FOR UPDATE', [company.id])).rows;
    await client.query(
      `INSERT INTO issues (company_id, title, status, priority, issue_number, identifier, assignee_agent_id, created_at, updated_at)
       SELECT c.company_id, '${SEED_TITLE} ' || c.num, c.status, c.priority, c.num, c.prefix || '-' || c.num, c.assignee, c.at, c.at
         FROM (SELECT CASE WHEN g <= $2 THEN $1::uuid ELSE ($3::uuid[])[(g - $2 - 1) % $4 + 1] END AS company_id,
                      CASE WHEN g <= $2 THEN $5::int + g ELSE (g - $2 - 1) / $4 + 1 END AS num,
                      CASE WHEN g <= $2 THEN $6::text ELSE ($7::text[])[(g - $2 - 1) % $4 + 1] END AS prefix,
                      CASE WHEN g <= $8 THEN ($9::uuid[])[(g - 1) % $10 + 1] END AS assignee,
                      CASE WHEN g <= $8 THEN (ARRAY['todo', 'in_review', 'blocked'])[g % 3 + 1]
                           ELSE (ARRAY['backlog', 'todo', 'todo', 'in_review', 'blocked', 'done', 'done', 'done', 'cancelled', 'todo'])[g % 10 + 1] END AS status,
                      (ARRAY['critical', 'high', 'medium', 'medium', 'low'])[g % 5 + 1] AS priority,
                      now() - g * interval '1 second' AS at
                 FROM generate_series(1, $11::int) g) c`,
      [
        company.id, big, small.rows.map((r) => r.id), Math.max(1, smallCount), counter, company.prefix, small.rows.map((r) => r.issue_prefix),
        Math.min(big, agents.length * INBOX_SIZE), agents.map((a) => a.id), Math.max(1, agents.length), big + (smallCount ? smallTotal : 0),
      ],
    );
    await client.query('UPDATE companies SET issue_counter = issue_counter + $2 WHERE id = $1', [company.id, big]);
    await client.query(
      `UPDATE companies c SET issue_counter = s.top FROM (SELECT company_id, max(issue_number) AS top FROM issues WHERE company_id = ANY($1::uuid[]) GROUP BY 1) s
        WHERE c.id = s.company_id`,
      [small.rows.map((r) => r.id)],
    );
    await client.query('COMMIT');
    const issueMs = nowMs() - t0;
    log(`seeded ${n} issues (${big} in the bench company, ${smallCount ? smallTotal : 0} in ${smallCount} small ones) in ${(issueMs / 1000).toFixed(1)} s`);

    const t1 = nowMs();
    const activityRows = await seedActivity(client, n, opts);
    await client.query('ANALYZE issues');
    await client.query('ANALYZE activity_log');
    const activityMs = nowMs() - t1;
    log(`seeded ${activityRows} activity rows in ${(activityMs / 1000).toFixed(1)} s (with ANALYZE)`);
    return { issues: n, bigCompanyIssues: big, activityRows, issueMs, activityMs };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** About --activity-per-issue rows per seeded issue, never more than --activity-max in all. */
async function seedActivity(client: { query(text: string, values?: unknown[]): Promise<{ rowCount: number | null }> }, n: number, opts: Options): Promise<number> {
  const cap = Math.min(opts.activityMax, n * opts.activityPerIssue);
  if (cap <= 0) return 0;
  const perIssue = Math.max(1, Math.floor(cap / n));
  const issues = Math.min(n, Math.floor(cap / perIssue));
  const r = await client.query(
    `INSERT INTO activity_log (company_id, actor_type, actor_id, action, entity_type, entity_id, details, created_at)
     SELECT i.company_id, 'system', 'bench-seed', (ARRAY['issue.created', 'issue.updated', 'issue.comment_added'])[k % 3 + 1],
            'issue', i.id::text, '{}'::jsonb, i.created_at + k * interval '1 minute'
       FROM (SELECT id, company_id, created_at FROM issues WHERE title LIKE '${SEED_TITLE} %' LIMIT $2) i
      CROSS JOIN generate_series(1, $1::int) k`,
    [perIssue, issues],
  );
  return r.rowCount ?? 0;
}

/** A random sample of the bench company's seeded issues, for the reads. */
export async function sampleIssues(company: Company, count: number): Promise<{ id: string; identifier: string }[]> {
  const r = await (env.pool as Pool).query('SELECT id, identifier FROM issues WHERE company_id = $1 ORDER BY random() LIMIT $2', [company.id, count]);
  return r.rows;
}
