import type { Options } from '../cli';
import { readRss } from '../cpu';
import { env } from '../environment';
import { BenchAgent, Company, createIssues } from '../fixtures';
import { errorKind, HttpClient, HttpResult } from '../http-client';
import { openSessions } from '../raw-baseline';
import { rawReads } from '../raw-reads';
import type { RawSession } from '../raw-sql';
import { sampleIssues } from '../seed';
import { ErrorCounts, Latencies, nowMs, sleep } from '../stats';
import { Tally, Window } from '../window';
import { agentHeaders, MeasuredRun, ReadKindResult, RunResult, SlicedWorkload, workerClients } from './calls';

// read: each of C agents loops over the read calls an agent and a board page make, API and raw floor alternating.

export const PAGE_SIZE = 50;

/**
 * The cursor after the bench company's first list page (X-Next-Cursor), fetched once, untimed: every
 * 'next-page' call asks for the page after it, through the API and through the raw floor's keyset SQL.
 */
async function firstPageCursor(company: Company, agent: BenchAgent): Promise<string> {
  const r = await (env.api as HttpClient).request('GET', `/api/companies/${company.id}/issues?limit=${PAGE_SIZE}`, agent.key, undefined, agentHeaders(agent));
  const cursor = r.headers?.['x-next-cursor'];
  if (r.status !== 200 || typeof cursor !== 'string') throw new Error(`first page: ${errorKind(r)}, no X-Next-Cursor`);
  return cursor;
}

export const READ_KINDS = ['by-id', 'by-identifier', 'list', 'next-page', 'inbox', 'activity'] as const;
type ReadKind = (typeof READ_KINDS)[number];

interface Target {
  id: string;
  identifier: string;
}

type Call<S> = (side: S, agent: BenchAgent, target: Target) => Promise<void>;

function apiCalls(company: Company, cursor: string): Record<ReadKind, Call<HttpClient>> {
  const get = async (client: HttpClient, agent: BenchAgent, path: string): Promise<HttpResult> => {
    const r = await client.request('GET', path, agent.key, undefined, agentHeaders(agent));
    if (r.status !== 200) throw new Error(`${path.split('?')[0].replace(/[0-9a-f-]{36}|[A-Z0-9]+-\d+/gi, ':id')} ${errorKind(r)}`);
    return r;
  };
  const list = `/api/companies/${company.id}/issues`;
  return {
    'by-id': async (c, a, t) => void (await get(c, a, `/api/issues/${t.id}`)),
    'by-identifier': async (c, a, t) => void (await get(c, a, `/api/issues/${t.identifier}`)),
    list: async (c, a) => void (await get(c, a, `${list}?limit=${PAGE_SIZE}`)),
    'next-page': async (c, a) => void (await get(c, a, `${list}?limit=${PAGE_SIZE}&cursor=${cursor}`)),
    inbox: async (c, a) => void (await get(c, a, '/api/agents/me/inbox-lite')),
    activity: async (c, a, t) => void (await get(c, a, `/api/issues/${t.id}/activity?limit=${PAGE_SIZE}`)),
  };
}

function rawCalls(company: Company, cursor: string): Record<ReadKind, Call<RawSession>> {
  return {
    'by-id': async (db, a, t) => void (await rawReads.byId(db, a, t.id)),
    'by-identifier': async (db, a, t) => void (await rawReads.byIdentifier(db, a, t.identifier)),
    list: async (db, a) => void (await rawReads.page(db, a, company.id, PAGE_SIZE, 0)),
    'next-page': async (db, a) => void (await rawReads.nextPage(db, a, company.id, PAGE_SIZE, cursor)),
    inbox: async (db, a) => void (await rawReads.inbox(db, a)),
    activity: async (db, a, t) => void (await rawReads.activity(db, a, t.id, PAGE_SIZE)),
  };
}

class ReadStats {
  readonly latencies = new Map<ReadKind, Latencies>(READ_KINDS.map((k) => [k, new Latencies()]));
  readonly errors = new ErrorCounts();
  readonly tally = new Tally();
}

/** A workload over C sides (HTTP connections or raw sessions), each worker rotating through the kinds. */
function readWorkload<S>(
  agents: BenchAgent[],
  targets: Target[],
  c: number,
  opts: Options,
  calls: Record<ReadKind, Call<S>>,
  sides: () => { sides: S[]; close(): void | Promise<void> },
): SlicedWorkload<ReadStats> {
  const stats = new ReadStats();
  let cursor = 0;
  const runSlice = async (warmupMs: number, durationMs: number): Promise<void> => {
    let done = 0;
    const w = new Window(warmupMs, durationMs, opts.maxIterations);
    const { sides: open, close } = sides();
    await w.run(c, async (i) => {
      const agent = agents[i];
      let k = i;
      while (w.next()) {
        const kind = READ_KINDS[k++ % READ_KINDS.length];
        const target = targets[cursor++ % targets.length];
        const measured = w.measuring;
        const t = nowMs();
        try {
          await calls[kind](open[i], agent, target);
        } catch (e) {
          if (measured) stats.errors.add(`${kind}: ${(e as Error).message}`);
          await sleep(2);
          continue;
        }
        if (measured) {
          stats.latencies.get(kind)?.add(nowMs() - t);
          done++;
        }
      }
    }).finally(close);
    stats.tally.add(w, done);
  };
  return { runSlice, result: () => stats };
}

const perKind = (stats: ReadStats, kind: ReadKind) => {
  const s = (stats.latencies.get(kind) as Latencies).summary();
  return { ...s, perSec: s.n / stats.tally.elapsedSec };
};

export async function runRead(company: Company, agents: BenchAgent[], c: number, opts: Options): Promise<RunResult> {
  let targets = await sampleIssues(company, 5000);
  if (targets.length < 100) {
    await createIssues(company, 100 - targets.length, 'read');
    targets = await sampleIssues(company, 5000);
  }
  const cursor = await firstPageCursor(company, agents[0]);
  const api = readWorkload(agents, targets, c, opts, apiCalls(company, cursor), () => {
    const { clients, close } = workerClients(c, opts);
    return { sides: clients, close };
  });
  let rawOpen: Awaited<ReturnType<typeof openSessions>> | undefined;
  const raw = opts.raw ? readWorkload(agents, targets, c, opts, rawCalls(company, cursor), () => ({ sides: (rawOpen as NonNullable<typeof rawOpen>).sessions, close: () => undefined })) : undefined;
  if (raw) rawOpen = await openSessions(c, false);
  try {
    const slices = raw ? opts.slices : 1;
    const sliceMs = (opts.durationSec * 1000) / slices;
    for (let slice = 0; slice < slices && !env.stopRequested; slice++) {
      await api.runSlice(opts.warmupSec * 1000, sliceMs);
      if (raw && !env.stopRequested) await raw.runSlice(opts.warmupSec * 1000, sliceMs);
    }
  } finally {
    await rawOpen?.close();
  }
  const a = api.result();
  const r = raw?.result();
  const reads: ReadKindResult[] = READ_KINDS.map((kind) => ({ kind, api: perKind(a, kind), raw: r ? perKind(r, kind) : undefined }));
  const rss = readRss(env.server?.pid);
  const result: RunResult = { scenario: 'read', ...measured(a, c), rssMb: rss.rssMb, rssPeakMb: rss.hwmMb, reads };
  if (r) {
    result.raw = measured(r, c);
    result.ratio = r.tally.cyclesPerSec > 0 ? a.tally.cyclesPerSec / r.tally.cyclesPerSec : undefined;
  }
  return result;
}

/** All kinds together, in the shape the other scenarios report (a "cycle" is one call; its latencies under checkout). */
function measured(stats: ReadStats, c: number): MeasuredRun {
  const all = new Latencies();
  for (const l of stats.latencies.values()) all.merge(l);
  return {
    concurrency: c,
    elapsedSec: stats.tally.elapsedSec,
    cycles: stats.tally.cycles,
    cyclesPerSec: stats.tally.cyclesPerSec,
    checkout: all.summary(),
    release: new Latencies().summary(),
    errors: stats.errors.total,
    errorKinds: stats.errors.describe(),
    cpu: stats.tally.cpuFields(),
  };
}
