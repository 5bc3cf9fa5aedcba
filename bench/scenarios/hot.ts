import type { Pool } from 'pg';
import type { Options } from '../cli';
import { env } from '../environment';
import { Company, BenchAgent, createIssues, touchRuns } from '../fixtures';
import { errorKind } from '../http-client';
import { sleep } from '../stats';
import { Tally, Window } from '../window';
import { agentHeaders, CallStats, checkoutCall, RunResult, workerClients } from './calls';

// hot: C agents race to check out one issue; the winner releases it and keeps racing.

export async function runHot(company: Company, agents: BenchAgent[], c: number, opts: Options): Promise<RunResult> {
  const [issueId] = await createIssues(company, 1, `hot C${c}`);
  await touchRuns(agents.slice(0, c));

  const stats = new CallStats();
  const tally = new Tally();
  let wins = 0;
  let conflicts = 0;
  let cycles = 0;
  let winsTotal = 0; // warm-up included: compared with the audit rows
  const w = new Window(opts.warmupSec * 1000, opts.durationSec * 1000, opts.maxIterations);
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
  const audit = await verifyAudit(issueId);
  return { ...stats.result('hot', c, tally), wins, conflicts, clientWinsTotal: winsTotal, ...audit };
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
