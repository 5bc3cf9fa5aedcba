import type { Options } from '../cli';
import { env, log } from '../environment';
import type { BenchAgent, Company } from '../fixtures';
import { openStreams } from '../event-streams';
import { fmt, Latencies, round } from '../stats';
import type { RunResult } from './calls';
import { cycleWorkload } from './cycle';

/** Target (issue 12): at C = 16, cycle with the streams open keeps this share of its throughput without them. */
export const STREAMS_TARGET = 0.9;

// streams: `cycle` with and without N open event streams, alternating windows, and event delivery latency.

export interface StreamsResult {
  concurrency: number;
  streams: number;
  without: RunResult;
  with: RunResult;
  /** cycles/s with streams ÷ without. */
  ratio: number;
  delivery: ReturnType<Latencies['summary']>;
  eventsPerStream: number;
  mbPerSecWritten: number;
  dropped: number;
}

export async function runStreams(company: Company, agents: BenchAgent[], c: number, opts: Options): Promise<StreamsResult> {
  const without = await cycleWorkload(company, agents, c, opts);
  const withStreams = await cycleWorkload(company, agents, c, opts);
  const delivery = new Latencies();
  let events = 0;
  let bytes = 0;
  let dropped = 0;
  let measuredMs = 0;
  const sliceMs = (opts.durationSec * 1000) / opts.slices;
  for (let slice = 0; slice < opts.slices && !env.stopRequested; slice++) {
    await without.runSlice(opts.warmupSec * 1000, sliceMs);
    if (env.stopRequested) break;
    const streams = await openStreams(company.id, opts.streams);
    const recordAfterWarmup = setTimeout(() => (streams.recording = true), opts.warmupSec * 1000);
    const started = Date.now();
    try {
      await withStreams.runSlice(opts.warmupSec * 1000, sliceMs);
    } finally {
      clearTimeout(recordAfterWarmup);
      measuredMs += Date.now() - started;
      await new Promise((r) => setTimeout(r, 200)); // the last events of the window
      streams.close();
    }
    delivery.merge(streams.latency);
    events += streams.events;
    bytes += streams.bytes;
    dropped += streams.dropped;
  }
  const a = without.result();
  const b = withStreams.result();
  const sampled = Math.ceil(opts.streams / 10);
  const result: StreamsResult = {
    concurrency: c,
    streams: opts.streams,
    without: a,
    with: b,
    ratio: a.cyclesPerSec > 0 ? b.cyclesPerSec / a.cyclesPerSec : NaN,
    delivery: delivery.summary(),
    eventsPerStream: events / sampled,
    mbPerSecWritten: bytes / 1e6 / Math.max(1e-9, measuredMs / 1000),
    dropped,
  };
  log(
    `streams C=${c}: ${fmt(a.cyclesPerSec)} cycles/s without, ${fmt(b.cyclesPerSec)} with ${opts.streams} streams (ratio ${fmt(result.ratio, 2)}); ` +
      `delivery commit→client p50 ${fmt(result.delivery.p50)} / p99 ${fmt(result.delivery.p99)} / max ${fmt(result.delivery.max)} ms over ${result.delivery.n} samples; ` +
      `${fmt(result.mbPerSecWritten, 1)} MB/s to the streams, ${dropped} dropped; errors ${a.errors} / ${b.errors}`,
  );
  return result;
}

export function streamsJson(r: StreamsResult): string {
  return JSON.stringify({
    scenario: 'streams',
    c: r.concurrency,
    streams: r.streams,
    withoutCyclesPerSec: round(r.without.cyclesPerSec, 1),
    withCyclesPerSec: round(r.with.cyclesPerSec, 1),
    ratio: round(r.ratio, 3),
    deliveryP50Ms: round(r.delivery.p50, 1),
    deliveryP99Ms: round(r.delivery.p99, 1),
    deliveryMaxMs: round(r.delivery.max, 1),
    samples: r.delivery.n,
    serverMsPerCycleWithout: round(r.without.cpu.serverMsPerCycle, 2),
    serverMsPerCycleWith: round(r.with.cpu.serverMsPerCycle, 2),
    pgMsPerCycleWithout: round(r.without.cpu.pgMsPerCycle, 2),
    pgMsPerCycleWith: round(r.with.cpu.pgMsPerCycle, 2),
    checkoutP99WithoutMs: round(r.without.checkout.p99, 1),
    checkoutP99WithMs: round(r.with.checkout.p99, 1),
    mbPerSec: round(r.mbPerSecWritten, 2),
    dropped: r.dropped,
    errors: r.without.errors + r.with.errors,
  });
}
