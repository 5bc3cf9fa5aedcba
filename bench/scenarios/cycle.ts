import type { Options } from '../cli';
import { env } from '../environment';
import { Company, BenchAgent, createIssues, touchRuns } from '../fixtures';
import { errorKind } from '../http-client';
import { rawWorkload } from '../raw-baseline';
import { sleep } from '../stats';
import { Tally, Window } from '../window';
import { agentHeaders, CallStats, checkoutCall, MeasuredRun, RunResult, SlicedWorkload, workerClients } from './calls';

// cycle: each of C agents loops checkout -> release over its own issues, alternating with the raw baseline.

export async function cycleWorkload(company: Company, agents: BenchAgent[], c: number, opts: Options): Promise<SlicedWorkload<RunResult>> {
  const issues: string[][] = [];
  for (let i = 0; i < c; i++) issues.push(await createIssues(company, opts.issuesPerAgent, `cycle C${c} agent ${i + 1}`));
  await touchRuns(agents.slice(0, c));

  const stats = new CallStats();
  const tally = new Tally();
  const next = new Array<number>(c).fill(0);

  const runSlice = async (warmupMs: number, durationMs: number): Promise<void> => {
    let cycles = 0;
    const w = new Window(warmupMs, durationMs, opts.maxIterations);
    // Connections are not left idle between slices, where the server would time them out.
    const { clients, close } = workerClients(c, opts);
    await w.run(c, async (i) => {
      const agent = agents[i];
      const mine = issues[i];
      const client = clients[i];
      const headers = agentHeaders(agent);
      while (w.next()) {
        const issueId = mine[next[i]++ % mine.length];
        const measured = w.measuring;
        const r = await stats.timed('checkout', measured, checkoutCall(client, issueId, agent, headers));
        if (!r) {
          await sleep(5);
          continue;
        }
        if (r.status !== 200) {
          if (measured) stats.errors.add(`checkout ${errorKind(r)}`);
          // Try to return the issue to a clean state so the next round is not poisoned.
          if (r.status === 409) await client.request('POST', `/api/issues/${issueId}/release`, agent.key, undefined, headers).catch(() => undefined);
          if (r.status === 404 || r.status >= 500) await sleep(2);
          continue;
        }
        if ((await stats.release(client, issueId, agent, headers, measured)) && measured) cycles++;
      }
    }).finally(close);
    tally.add(w, cycles);
  };
  return { runSlice, result: () => stats.result('cycle', c, tally) };
}

/**
 * `cycle` and, unless --no-raw, its raw-SQL baseline, interleaved in --slices windows each
 * (API, raw, API, raw, ...) so that both figures of the ratio see the same machine: this VM's
 * speed drifts by 10-20 % over a minute, which two back-to-back runs turned into noise.
 */
export async function runCycleWithRaw(company: Company, agents: BenchAgent[], c: number, opts: Options): Promise<RunResult> {
  const api = await cycleWorkload(company, agents, c, opts);
  const raw = opts.raw ? await rawWorkload(company, agents, c, opts, false) : undefined;
  const batched = opts.raw && opts.rawBatched ? await rawWorkload(company, agents, c, opts, true) : undefined;
  try {
    const slices = raw ? opts.slices : 1;
    const sliceMs = (opts.durationSec * 1000) / slices;
    // Every window warms up again: the side that waited has gone cold (idle connections, caches).
    for (let slice = 0; slice < slices && !env.stopRequested; slice++) {
      for (const side of [api, raw, batched]) if (side && !env.stopRequested) await side.runSlice(opts.warmupSec * 1000, sliceMs);
    }
  } finally {
    await raw?.close();
    await batched?.close();
  }
  const result = api.result();
  const ratio = (floor: MeasuredRun) => (floor.cyclesPerSec > 0 ? result.cyclesPerSec / floor.cyclesPerSec : undefined);
  if (raw) {
    result.raw = raw.result();
    result.ratio = ratio(result.raw);
  }
  if (batched) {
    result.rawBatched = batched.result();
    result.ratioBatched = ratio(result.rawBatched);
  }
  return result;
}
