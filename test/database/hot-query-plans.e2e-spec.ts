import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { AgentFixture, bearer, CompanyFixture, createAgent, createCompany } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * The hot reads must cost the same in a company of 10 thousand issues as in one of 1 million
 * (issue 11). Their cost is their plan: on a seeded company big enough for PostgreSQL to prefer an
 * index where one fits, every statement a hot route runs is EXPLAINed — with its values (a custom
 * plan) and without (the generic plan a named prepared statement may settle on) — and may neither
 * read issues, activity_log or issue_comments sequentially nor sort more than a page's worth of rows.
 */

const BIG = 30_000;
/** A Sort may order a page's candidates (a rare `q` match), never a company's worth of rows. */
const MAX_SORTED_ROWS = 1_000;
const WATCHED = ['issues', 'activity_log', 'issue_comments'];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Plan Rows': number;
  Plans?: PlanNode[];
}

interface Captured {
  name?: string;
  text: string;
  values: unknown[];
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** What is wrong with a plan, or nothing. */
function problems(node: PlanNode): string[] {
  const found: string[] = [];
  if (node['Node Type'] === 'Seq Scan' && WATCHED.includes(node['Relation Name'] ?? '')) found.push(`Seq Scan on ${node['Relation Name']}`);
  if (node['Node Type'].endsWith('Sort')) {
    const input = (node.Plans ?? []).reduce((n, child) => n + child['Plan Rows'], 0);
    if (input > MAX_SORTED_ROWS) found.push(`${node['Node Type']} of ~${input} rows`);
  }
  for (const child of node.Plans ?? []) found.push(...problems(child));
  return found;
}

describe('hot read plans on a big company (EXPLAIN)', () => {
  let t: TestApp;
  let company: CompanyFixture;
  let agent: AgentFixture;
  let issueWithComments: string;
  const captured: Captured[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    company = await createCompany(t);
    const other = await createCompany(t);
    agent = await createAgent(t, company.id);
    // Statuses, priorities and assignees mixed; updated_at ties in threes (the id breaks them).
    await t.db.query(
      `INSERT INTO issues (company_id, title, description, status, priority, assignee_agent_id, issue_number, identifier, updated_at)
       SELECT CASE WHEN g % 10 = 0 THEN $2::uuid ELSE $1::uuid END, 'Task ' || g || ' ' || md5(g::text) || ' of the backlog', 'Details ' || md5('d' || g),
              (ARRAY['backlog','todo','in_review','blocked','done','done','cancelled'])[g % 7 + 1],
              (ARRAY['critical','high','medium','medium','low'])[g % 5 + 1],
              CASE WHEN g % 50 = 1 THEN $3::uuid END, g, CASE WHEN g % 10 = 0 THEN $5 ELSE $4 END || '-' || g,
              now() - (g / 3) * interval '1 second'
         FROM generate_series(1, $6::int) g`,
      [company.id, other.id, agent.id, company.issuePrefix, other.issuePrefix, BIG],
    );
    await t.db.query('UPDATE companies SET issue_counter = $2 WHERE id = ANY($1::uuid[])', [[company.id, other.id], BIG]);
    const { rows } = await t.db.query('SELECT id FROM issues WHERE company_id = $1 ORDER BY issue_number LIMIT 1', [company.id]);
    issueWithComments = rows[0].id;
    await t.db.query(
      `INSERT INTO issue_comments (company_id, issue_id, author_user_id, body, created_at)
       SELECT company_id, CASE WHEN g <= 2000 THEN $1::uuid ELSE id END, NULL, 'Comment ' || g, now() - g * interval '1 second'
         FROM (SELECT company_id, id, row_number() OVER () AS g FROM issues) i, generate_series(1, 2) k`,
      [issueWithComments],
    );
    await t.db.query(
      `INSERT INTO activity_log (company_id, actor_type, actor_id, action, entity_type, entity_id, created_at)
       SELECT company_id, 'system', 'seed', 'issue.updated', 'issue', id::text, updated_at + k * interval '1 minute'
         FROM issues, generate_series(1, 3) k`,
    );
    await t.db.query('ANALYZE');
    const pool = (t.app.get(DataSource).driver as PostgresDriver).master as { query: (config: unknown, values?: unknown[]) => Promise<unknown> };
    const query = pool.query.bind(pool);
    pool.query = (config: unknown, values?: unknown[]) => {
      captured.push(typeof config === 'string' ? { text: config, values: values ?? [] } : (config as Captured));
      return query(config, values);
    };
  }, 120_000);
  afterAll(() => t?.close());

  /** The statements on the watched tables that `call` ran, each with its custom and generic plan problems. */
  async function plansOf(call: () => Promise<unknown>): Promise<string[]> {
    captured.length = 0;
    await call();
    const statements = captured.filter((s) => WATCHED.some((table) => new RegExp(`\\b(FROM|JOIN|UPDATE|INTO) ${table}\\b`).test(s.text)));
    expect(statements.length).toBeGreaterThan(0);
    const found: string[] = [];
    for (const { name, text, values } of statements) {
      const custom = await t.db.query(`EXPLAIN (FORMAT JSON) ${text}`, values);
      // A named (prepared) statement may run its generic plan; an unnamed one is planned per call.
      const generic = name && values.length ? await t.db.query(`EXPLAIN (GENERIC_PLAN, FORMAT JSON) ${text}`) : custom;
      for (const [kind, result] of generic === custom ? ([['custom', custom]] as const) : ([['custom', custom], ['generic', generic]] as const)) {
        const plan = (result.rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0].Plan;
        for (const problem of problems(plan)) found.push(`${kind} plan: ${problem}\n    in: ${text.replace(/\s+/g, ' ').slice(0, 300)}`);
      }
    }
    return found;
  }

  const board = (path: string) => t.http().get(path).set(bearer(t.adminKey)).expect(200);
  const list = (query: string) => board(`/api/companies/${company.id}/issues?${query}`);

  it.each([
    ['the default list', 'limit=50'],
    ['a status filter', 'status=todo&limit=50'],
    ['an assignee filter', () => `assigneeAgentId=${agent.id}&limit=50`],
    ['a rare q in titles', () => `q=${md5('12345').slice(4, 12).toUpperCase()}&limit=50`],
    ['a rare q in descriptions', () => `q=${md5('d12345').slice(10, 16)}&limit=50`],
    ['an identifier q', () => `q=${company.issuePrefix.toLowerCase()}-2345&limit=50`],
    ['a common q', 'q=backlog&limit=50'],
  ])('%s', async (_name, query) => {
    expect(await plansOf(() => list(typeof query === 'string' ? query : query()))).toEqual([]);
  });

  it('the next page by cursor, at the start and deep in the list', async () => {
    const first = await list('limit=50');
    expect(await plansOf(() => list(`limit=50&cursor=${first.headers['x-next-cursor']}`))).toEqual([]);
    const deep = await list('limit=1000&offset=15000');
    expect(await plansOf(() => list(`limit=50&cursor=${deep.headers['x-next-cursor']}`))).toEqual([]);
  });

  it('inbox-lite', async () => {
    expect(await plansOf(() => t.http().get('/api/agents/me/inbox-lite').set(bearer(agent.key)).expect(200))).toEqual([]);
  });

  it('a comments page and the next one', async () => {
    const first = await board(`/api/issues/${issueWithComments}/comments?limit=50`);
    const last = (first.body as { id: string }[]).at(-1)?.id as string;
    expect(await plansOf(() => board(`/api/issues/${issueWithComments}/comments?limit=50&after=${last}`))).toEqual([]);
  });

  it('a company activity page and the next one, and an issue activity page', async () => {
    const first = await board(`/api/companies/${company.id}/activity?limit=50`);
    const last = (first.body as { id: string }[]).at(-1)?.id as string;
    expect(await plansOf(() => board(`/api/companies/${company.id}/activity?limit=50`))).toEqual([]);
    expect(await plansOf(() => board(`/api/companies/${company.id}/activity?limit=50&before=${last}`))).toEqual([]);
    expect(await plansOf(() => board(`/api/issues/${issueWithComments}/activity?limit=50`))).toEqual([]);
  });
});
