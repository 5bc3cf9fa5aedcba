import type { Pool } from 'pg';
import { env } from '../environment';
import { BenchAgent, Company, createIssues, touchRuns } from '../fixtures';
import type { Api } from '../http-client';
import { openSessions } from '../raw-baseline';
import { nowMs } from '../stats';
import { agentHeaders, CHECKOUT_STATUSES } from './calls';

// --profile: which SQL statements one checkout+release cycle costs (pg_stat_statements).

interface ProfileStatement {
  perCycle: number;
  meanMs: number;
  query: string;
}

interface ProfileSide {
  cycles: number;
  wallMsPerCycle: number;
  statementsPerCycle: number;
  dbExecMsPerCycle: number;
  errors: number;
  top: ProfileStatement[];
}

export interface ProfileResult {
  api: ProfileSide;
  raw: ProfileSide;
}

async function profileSide(n: number, cycle: () => Promise<boolean>): Promise<ProfileSide> {
  const pool = env.pool as Pool;
  await pool.query('SELECT pg_stat_statements_reset()');
  let errors = 0;
  const t0 = nowMs();
  for (let i = 0; i < n && !env.stopRequested; i++) if (!(await cycle())) errors++;
  const wall = nowMs() - t0;
  const rows = await pool.query(
    `SELECT query, calls, total_exec_time FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND calls > 0 AND query NOT LIKE '%pg_stat_statements%'
      ORDER BY calls DESC, total_exec_time DESC`,
  );
  let calls = 0;
  let exec = 0;
  const top: ProfileStatement[] = [];
  for (const r of rows.rows as { query: string; calls: string; total_exec_time: number }[]) {
    const c = Number(r.calls);
    calls += c;
    exec += Number(r.total_exec_time);
    if (c >= n / 2) top.push({ perCycle: c / n, meanMs: Number(r.total_exec_time) / c, query: r.query.replace(/\s+/g, ' ').trim() });
  }
  return { cycles: n, wallMsPerCycle: wall / n, statementsPerCycle: calls / n, dbExecMsPerCycle: exec / n, errors, top };
}

export async function runProfile(company: Company, agents: BenchAgent[], n: number, rawBatched: boolean): Promise<ProfileResult> {
  const api = env.api as Api;
  const agent = agents[0];
  const [apiIssue] = await createIssues(company, 1, 'profile api');
  const [rawIssue] = await createIssues(company, 1, 'profile raw');
  await touchRuns([agent]);
  const headers = agentHeaders(agent);
  const apiCycle = async (): Promise<boolean> => {
    const a = await api.request('POST', `/api/issues/${apiIssue}/checkout`, agent.key, { agentId: agent.id, expectedStatuses: CHECKOUT_STATUSES }, headers);
    const b = await api.request('POST', `/api/issues/${apiIssue}/release`, agent.key, undefined, headers);
    return a.status === 200 && b.status === 200;
  };
  for (let i = 0; i < 20; i++) await apiCycle(); // warm the server's code paths and pools
  const apiSide = await profileSide(n, apiCycle);
  const { sessions, close } = await openSessions(1, rawBatched);
  const db = sessions[0];
  try {
    const rawCycle = async (): Promise<boolean> => {
      try {
        await db.checkout(agent, rawIssue);
        await db.release(agent, rawIssue);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 20; i++) await rawCycle();
    const rawSide = await profileSide(n, rawCycle);
    return { api: apiSide, raw: rawSide };
  } finally {
    await close();
  }
}
