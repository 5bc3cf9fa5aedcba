import type { Pool } from 'pg';
import type { Options } from '../cli';
import { env } from '../environment';
import { Company, BenchAgent, createIssues, touchRuns } from '../fixtures';
import { errorKind } from '../http-client';
import { sleep } from '../stats';
import { Tally, Window } from '../window';
import { rawHotWorkload } from '../raw-baseline';
import { agentHeaders, CallStats, checkoutCall, RunResult, SlicedWorkload, workerClients } from './calls';

// hot: C agents race to check out one issue; the winner releases it and keeps racing. The raw floor
// does the same on its own issue, through raw-sql.ts (a conflict is found under the row lock and rolled back).

async function hotWorkload(company: Company, agents: BenchAgent[], c: number, opts: Options): Promise<SlicedWorkload<RunResult & { issueId: string }>> {
  const [issueId] = await createIssues(company, 1, `hot C${c}`);
  await touchRuns(agents.slice(0, c));

  const stats = new CallStats();
  const tally = new Tally();
  let wins = 0;
  let conflicts = 0;
  let winsTotal = 0; // warm-up included: compared with the audit rows

  const runSlice = async (warmupMs: number, durationMs: number): Promise<void> => {
    let cycles = 0;
    const w = new Window(warmupMs, durationMs, opts.maxIterations);
    const { clients, close } = workerClients(c, opts);
    await w.run(c, async (i) => {
      const agent = agents[i];
      const client = clients[i];
      const headers = agentHeaders(agent);
      while (w.next()) {
        const measured = w.measuring;
        const r = await stats.timed('checkout', measured, checkoutCall(client, issueId, agent, headers));
        if (!r) {
          await sleep(5);
          continue;
        }
        if (r.status === 409 && r.body?.code === 'checkout_conflict') {
          if (measured) conflicts++;
          continue;
        }
        if (r.status !== 200) {
          if (measured) stats.errors.add(`checkout ${errorKind(r)}`);
          if (r.status === 404 || r.status >= 500) await sleep(2);
          continue;
        }
        winsTotal++;
        if (measured) wins++;
        if ((await stats.release(client, issueId, agent, headers, measured)) && measured) cycles++;
      }
    }).finally(close);
    tally.add(w, cycles);
  };
  return {
    runSlice,
    result: () => ({ ...stats.result('hot', c, tally), wins, conflicts, clientWinsTotal: winsTotal, issueId }),
  };
}

/** `hot` and, unless --no-raw, the raw floor racing on an issue of its own, in alternating windows (as cycle). */
export async function runHot(company: Company, agents: BenchAgent[], c: number, opts: Options): Promise<RunResult> {
  const api = await hotWorkload(company, agents, c, opts);
  const raw = opts.raw ? await rawHotWorkload(company, agents, c, opts) : undefined;
  try {
    const slices = raw ? opts.slices : 1;
    const sliceMs = (opts.durationSec * 1000) / slices;
    for (let slice = 0; slice < slices && !env.stopRequested; slice++) {
      for (const side of [api, raw]) if (side && !env.stopRequested) await side.runSlice(opts.warmupSec * 1000, sliceMs);
    }
  } finally {
    await raw?.close();
  }
  const { issueId, ...result } = api.result();
  if (raw) {
    result.raw = raw.result();
    result.ratio = result.raw.cyclesPerSec > 0 ? result.cyclesPerSec / result.raw.cyclesPerSec : undefined;
  }
  return { ...result, ...(await verifyAudit(issueId)) };
}

/**
 * Replays the ownership audit rows of one issue in commit order (created_at is clock_timestamp(),
 * and the row lock serialises the writers) and counts:
 *  - double owners: a checkout (or an adoption by someone else) while another agent still holds it;
 *  - release mismatches: a release by someone other than the holder, or with no holder.
 */
async function verifyAudit(issueId: string): Promise<{ auditCheckouts: number; doubleOwners: number; releaseMismatches: number; finalState: string }> {
  const pool = env.pool as Pool;
  const rows = await pool.query(
    `SELECT action, actor_id, agent_id, run_id FROM activity_log
      WHERE entity_type = 'issue' AND entity_id = $1
        AND action IN ('issue.checked_out', 'issue.released', 'issue.checkout_lock_adopted', 'issue.admin_force_release')
      ORDER BY created_at, id`,
    [issueId],
  );
  let holder: string | null = null;
  let doubleOwners = 0;
  let releaseMismatches = 0;
  let auditCheckouts = 0;
  for (const row of rows.rows as { action: string; actor_id: string; agent_id: string | null }[]) {
    const actor = row.agent_id ?? row.actor_id;
    switch (row.action) {
      case 'issue.checked_out':
        auditCheckouts++;
        if (holder !== null) doubleOwners++;
        holder = actor;
        break;
      case 'issue.checkout_lock_adopted':
        if (holder !== null && holder !== actor) doubleOwners++;
        holder = actor;
        break;
      case 'issue.released':
        if (holder === null || holder !== actor) releaseMismatches++;
        holder = null;
        break;
      case 'issue.admin_force_release':
        holder = null;
        break;
    }
  }
  const st = await pool.query('SELECT status, assignee_agent_id, checkout_run_id, execution_run_id FROM issues WHERE id = $1', [issueId]);
  const s = st.rows[0];
  const finalState = s ? `${s.status}${s.assignee_agent_id ? ' assigned' : ''}${s.checkout_run_id || s.execution_run_id ? ' locked' : ''}` : 'missing';
  return { auditCheckouts, doubleOwners, releaseMismatches, finalState };
}
