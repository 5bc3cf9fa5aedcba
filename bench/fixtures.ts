import { Pool } from 'pg';
import { env, log } from './environment';
import { Api, HttpResult } from './http-client';

// The company, agents (with keys and running runs) and issues the scenarios work on.

export interface Company {
  id: string;
  prefix: string;
}

export interface BenchAgent {
  id: string;
  name: string;
  key: string;
  runId: string;
}

export async function must(r: Promise<HttpResult>, expected: number[], what: string): Promise<any> {
  const res = await r;
  if (!expected.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${res.text.slice(0, 500)}`);
  return res.body;
}

export async function createCompany(): Promise<Company> {
  const api = env.api as Api;
  const name = `Bench ${Date.now().toString(36)}`;
  const body = await must(api.request('POST', '/api/companies', env.boardKey, { name }), [200, 201], 'POST /api/companies');
  let prefix: string | undefined = body.issuePrefix;
  if (!prefix) {
    const row = await (env.pool as Pool).query('SELECT issue_prefix FROM companies WHERE id = $1', [body.id]);
    prefix = row.rows[0]?.issue_prefix;
  }
  return { id: body.id, prefix: prefix ?? 'BEN' };
}

export async function createAgents(company: Company, count: number, label: string): Promise<BenchAgent[]> {
  const api = env.api as Api;
  const pool = env.pool as Pool;
  const out: BenchAgent[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${label}-${String(i + 1).padStart(2, '0')}`;
    const agent = await must(
      api.request('POST', `/api/companies/${company.id}/agents`, env.boardKey, { name }),
      [200, 201],
      `POST /api/companies/:id/agents (${name})`,
    );
    const key = await must(api.request('POST', `/api/agents/${agent.id}/keys`, env.boardKey, { name: 'bench' }), [200, 201], 'POST /api/agents/:id/keys');
    if (typeof key.token !== 'string' || !key.token.startsWith('clasp_agent_')) throw new Error(`unexpected key response ${JSON.stringify(key)}`);
    const run = await pool.query(
      `INSERT INTO heartbeat_runs (company_id, agent_id, status, invocation_source, started_at, last_heartbeat_at)
       VALUES ($1, $2, 'running', 'on_demand', now(), now()) RETURNING id`,
      [company.id, agent.id],
    );
    out.push({ id: agent.id, name, key: key.token, runId: run.rows[0].id });
  }
  return out;
}

/** 'api' once POST /issues answered 201, 'sql' once it did not; decided on the first call. */
let issueMode: 'unknown' | 'api' | 'sql' = 'unknown';

export async function createIssues(company: Company, count: number, label: string): Promise<string[]> {
  const api = env.api as Api;
  const pool = env.pool as Pool;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const title = `${label} #${i + 1}`;
    if (issueMode !== 'sql') {
      const r = await api.request('POST', `/api/companies/${company.id}/issues`, env.boardKey, { title, status: 'todo' });
      if ((r.status === 201 || r.status === 200) && r.body?.id) {
        if (issueMode === 'unknown') log('issues are created through POST /api/companies/:id/issues');
        issueMode = 'api';
        ids.push(r.body.id);
        continue;
      }
      if (issueMode === 'api') throw new Error(`POST /api/companies/:id/issues: HTTP ${r.status} ${r.text.slice(0, 300)}`);
      issueMode = 'sql';
      log(`POST /api/companies/:id/issues answered ${r.status}; seeding issues with SQL`);
    }
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const c = await client.query('UPDATE companies SET issue_counter = issue_counter + 1 WHERE id = $1 RETURNING issue_counter', [company.id]);
      const n: number = c.rows[0].issue_counter;
      const row = await client.query(
        `INSERT INTO issues (company_id, title, status, priority, issue_number, identifier)
         VALUES ($1, $2, 'todo', 'medium', $3, $4) RETURNING id`,
        [company.id, title, n, `${company.prefix}-${n}`],
      );
      await client.query('COMMIT');
      ids.push(row.rows[0].id);
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }
  return ids;
}

/** Keep the seeded runs' leases fresh (belt and braces: the server was also given a long lease). */
export async function touchRuns(agents: BenchAgent[]): Promise<void> {
  await (env.pool as Pool).query(`UPDATE heartbeat_runs SET last_heartbeat_at = now(), updated_at = now() WHERE id = ANY($1::uuid[])`, [agents.map((a) => a.runId)]);
}
