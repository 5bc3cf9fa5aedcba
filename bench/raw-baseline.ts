import type { EmbeddedDatabase } from '../src/database/embedded-postgres';
import type { Options } from './cli';
import { env } from './environment';
import { BenchAgent, Company, createIssues, touchRuns } from './fixtures';
import { RawSession } from './raw-sql';
import { CallStats, MeasuredRun, SlicedWorkload } from './scenarios/calls';
import { nowMs } from './stats';
import { Tally, Window } from './window';

// The raw-SQL floor of `cycle`: C load workers, each on its own connection (raw-sql.ts), on separate issues.

/** The seeded runs' lease as the server was given it (environment.ts): the floor judges liveness alike. */
export const BENCH_LEASE_SECONDS = 86_400;

/** One RawSession per load worker, opened once for the whole run: no pool checkout per call. */
export async function openSessions(c: number, batched: boolean): Promise<{ sessions: RawSession[]; close(): Promise<void> }> {
  const sessions: RawSession[] = [];
  const close = async () => {
    await Promise.all(sessions.map((s) => s.close()));
  };
  try {
    for (let i = 0; i < c; i++) sessions.push(await RawSession.open((env.db as EmbeddedDatabase).url, batched, BENCH_LEASE_SECONDS));
  } catch (e) {
    await close();
    throw e;
  }
  return { sessions, close };
}

/**
 * One raw checkout and, when it won, the release, timed into `stats`. With `conflictExpected`
 * (hot) a lost race is timed as a checkout and not counted as an error.
 */
async function rawCycle(db: RawSession, agent: BenchAgent, issueId: string, stats: CallStats, measured: boolean, conflictExpected = false): Promise<'released' | 'lost' | 'failed'> {
  let t = nowMs();
  try {
    await db.checkout(agent, issueId);
  } catch (e) {
    const conflict = conflictExpected && (e as Error).message.includes('checkout conflict');
    if (measured && conflict) stats.latencies.checkout.add(nowMs() - t);
    if (measured && !conflict) stats.errors.add(`raw checkout: ${(e as Error).message}`);
    return conflict ? 'lost' : 'failed';
  }
  if (measured) stats.latencies.checkout.add(nowMs() - t);
  t = nowMs();
  try {
    await db.release(agent, issueId);
  } catch (e) {
    if (measured) stats.errors.add(`raw release: ${(e as Error).message}`);
    return 'failed';
  }
  if (measured) stats.latencies.release.add(nowMs() - t);
  return 'released';
}

export async function rawWorkload(
  company: Company,
  agents: BenchAgent[],
  c: number,
  opts: Options,
  batched: boolean,
): Promise<SlicedWorkload<MeasuredRun> & { close(): Promise<void> }> {
  const issues: string[][] = [];
  for (let i = 0; i < c; i++) issues.push(await createIssues(company, opts.issuesPerAgent, `raw${batched ? ' batched' : ''} C${c} agent ${i + 1}`));
  const next = new Array<number>(c).fill(0);
  return rawCycles(agents, c, opts, batched, (i) => issues[i][next[i]++ % issues[i].length], false);
}

/** The raw floor of `hot`: C sessions race for one issue of their own; the winner releases it. cycles = handoffs. */
export async function rawHotWorkload(company: Company, agents: BenchAgent[], c: number, opts: Options): Promise<SlicedWorkload<MeasuredRun> & { close(): Promise<void> }> {
  const [issueId] = await createIssues(company, 1, `raw hot C${c}`);
  return rawCycles(agents, c, opts, false, () => issueId, true);
}

/** C sessions looping rawCycle on the issue `issueFor(worker)` names; cycles = releases. */
async function rawCycles(
  agents: BenchAgent[],
  c: number,
  opts: Options,
  batched: boolean,
  issueFor: (worker: number) => string,
  conflictExpected: boolean,
): Promise<SlicedWorkload<MeasuredRun> & { close(): Promise<void> }> {
  await touchRuns(agents.slice(0, c));
  const { sessions, close } = await openSessions(c, batched);
  const stats = new CallStats();
  const tally = new Tally();

  const runSlice = async (warmupMs: number, durationMs: number): Promise<void> => {
    let cycles = 0;
    const w = new Window(warmupMs, durationMs, opts.maxIterations);
    await w.run(c, async (i) => {
      while (w.next()) {
        const measured = w.measuring;
        if ((await rawCycle(sessions[i], agents[i], issueFor(i), stats, measured, conflictExpected)) === 'released' && measured) cycles++;
      }
    });
    tally.add(w, cycles);
  };
  return { runSlice, result: () => stats.measured(c, tally), close };
}
