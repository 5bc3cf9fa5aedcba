import type { Options, ScenarioName } from '../cli';
import { CpuFields, readRss } from '../cpu';
import { env } from '../environment';
import type { BenchAgent } from '../fixtures';
import { Api, errorKind, HttpClient, HttpResult, WorkerConnection } from '../http-client';
import { ErrorCounts, Latencies, nowMs } from '../stats';
import type { Tally } from '../window';

// What the scenarios share: their results, the checkout and release calls, the workers' connections.

/** What one workload measured: the API's (RunResult) or the raw-SQL baseline's. */
export interface MeasuredRun {
  concurrency: number;
  elapsedSec: number;
  cycles: number;
  cyclesPerSec: number;
  checkout: ReturnType<Latencies['summary']>;
  release: ReturnType<Latencies['summary']>;
  errors: number;
  errorKinds: string;
  cpu: CpuFields;
}

export interface RunResult extends MeasuredRun {
  scenario: ScenarioName;
  rssMb: number;
  rssPeakMb: number;
  wins?: number;
  conflicts?: number;
  auditCheckouts?: number;
  clientWinsTotal?: number;
  doubleOwners?: number;
  releaseMismatches?: number;
  finalState?: string;
  raw?: MeasuredRun;
  ratio?: number;
  /** --raw-batched: the floor on PiggybackClient. */
  rawBatched?: MeasuredRun;
  ratioBatched?: number;
  /** read: per call kind. */
  reads?: ReadKindResult[];
  rawCallsPerSec?: number;
}

export interface ReadKindResult {
  kind: string;
  api: ReturnType<Latencies['summary']> & { perSec: number };
  raw?: ReturnType<Latencies['summary']> & { perSec: number };
}

export function agentHeaders(a: BenchAgent): Record<string, string> {
  return { 'x-paperclip-run-id': a.runId };
}

export const CHECKOUT_STATUSES = ['todo', 'backlog', 'blocked'];

/** The latencies and errors one scenario run collects. */
export class CallStats {
  readonly latencies = { checkout: new Latencies(), release: new Latencies() };
  readonly errors = new ErrorCounts();

  /** One timed call; a transport error is counted (when measured) and answers null. */
  async timed(kind: 'checkout' | 'release', measured: boolean, call: () => Promise<HttpResult>): Promise<HttpResult | null> {
    const t = nowMs();
    try {
      const r = await call();
      if (measured) this.latencies[kind].add(nowMs() - t);
      return r;
    } catch (e) {
      if (measured) this.errors.add(`${kind} ${(e as Error).message}`);
      return null;
    }
  }

  /** Releases the issue; true when it answered 200. */
  async release(client: HttpClient, issueId: string, agent: BenchAgent, headers: Record<string, string>, measured: boolean): Promise<boolean> {
    const r = await this.timed('release', measured, () => client.request('POST', `/api/issues/${issueId}/release`, agent.key, undefined, headers));
    if (!r) return false;
    if (r.status !== 200) {
      if (measured) this.errors.add(`release ${errorKind(r)}`);
      return false;
    }
    return true;
  }

  measured(c: number, tally: Tally): MeasuredRun {
    return {
      concurrency: c,
      elapsedSec: tally.elapsedSec,
      cycles: tally.cycles,
      cyclesPerSec: tally.cyclesPerSec,
      checkout: this.latencies.checkout.summary(),
      release: this.latencies.release.summary(),
      errors: this.errors.total,
      errorKinds: this.errors.describe(),
      cpu: tally.cpuFields(),
    };
  }

  result(scenario: ScenarioName, c: number, tally: Tally): RunResult {
    const rss = readRss(env.server?.pid);
    return { scenario, ...this.measured(c, tally), rssMb: rss.rssMb, rssPeakMb: rss.hwmMb };
  }
}

export function checkoutCall(client: HttpClient, issueId: string, agent: BenchAgent, headers: Record<string, string>): () => Promise<HttpResult> {
  return () => client.request('POST', `/api/issues/${issueId}/checkout`, agent.key, { agentId: agent.id, expectedStatuses: CHECKOUT_STATUSES }, headers);
}

/** A workload that can run in several measured windows, summed into one result (see runCycleWithRaw). */
export interface SlicedWorkload<R> {
  runSlice(warmupMs: number, durationMs: number): Promise<void>;
  result(): R;
}

/** The connection each load worker sends its calls on: its own WorkerConnection, or node:http's shared agent. */
export function workerClients(c: number, opts: Options): { clients: HttpClient[]; close(): void } {
  const api = env.api as Api;
  if (opts.nodeHttp) return { clients: new Array<HttpClient>(c).fill(api), close: () => undefined };
  const connections = Array.from({ length: c }, () => new WorkerConnection(api.host, api.port));
  return { clients: connections, close: () => connections.forEach((connection) => connection.close()) };
}
