import { cpus } from 'node:os';
import type { Options } from './cli';
import type { RunResult } from './scenarios/calls';
import type { ProfileResult } from './scenarios/profile';
import type { SeedResult } from './seed';
import { fmt, round } from './stats';

// What the bench prints: the tables, the targets, the profile and the BENCH_JSON line.

function pad(s: string, n: number, right = false): string {
  return right ? s.padEnd(n) : s.padStart(n);
}

function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i], i === 0)).join('  ');
  console.log('');
  console.log(title);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

export function printResults(results: RunResult[], idleRss: number, workers: number): void {
  const cycle = results.filter((r) => r.scenario === 'cycle');
  const hot = results.filter((r) => r.scenario === 'hot');
  const batched = cycle.some((r) => r.rawBatched);
  console.log(`server: WORKERS=${workers}`);
  if (cycle.length) {
    printTable(
      'cycle: each agent loops checkout -> release on its own issues (latencies in ms; raw = the floor: the same statements on one pg connection per worker, named)',
      ['C', 'cycles/s', 'co p50', 'co p99', 'rel p50', 'rel p99', 'errors', 'rss MB', 'srv cpu%', 'pg cpu%', 'raw cyc/s', 'raw co p50', 'raw co p99', 'raw rel p99', 'raw pg cpu%', 'api/raw', ...(batched ? ['batched cyc/s', 'api/batched'] : [])],
      cycle.map((r) => [
        String(r.concurrency),
        fmt(r.cyclesPerSec),
        fmt(r.checkout.p50, 2),
        fmt(r.checkout.p99, 2),
        fmt(r.release.p50, 2),
        fmt(r.release.p99, 2),
        String(r.errors),
        fmt(r.rssMb),
        fmt(r.cpu.serverPct, 0),
        fmt(r.cpu.pgPct, 0),
        r.raw ? fmt(r.raw.cyclesPerSec) : '-',
        r.raw ? fmt(r.raw.checkout.p50, 2) : '-',
        r.raw ? fmt(r.raw.checkout.p99, 2) : '-',
        r.raw ? fmt(r.raw.release.p99, 2) : '-',
        r.raw ? fmt(r.raw.cpu.pgPct, 0) : '-',
        r.ratio !== undefined ? fmt(r.ratio, 2) : '-',
        ...(batched ? [r.rawBatched ? fmt(r.rawBatched.cyclesPerSec) : '-', r.ratioBatched !== undefined ? fmt(r.ratioBatched, 2) : '-'] : []),
      ]),
    );
  }
  printReads(results.filter((r) => r.scenario === 'read'));
  if (hot.length) {
    printTable(
      'hot: C agents race for one issue, the winner releases (latencies in ms)',
      ['C', 'cycles/s', 'co p50', 'co p99', 'rel p50', 'rel p99', 'errors', 'wins', 'conflicts', 'double owners', 'rel mismatch', 'audit/client co', 'final', 'rss MB', 'srv cpu%', 'pg cpu%', 'raw cyc/s', 'raw co p99', 'api/raw'],
      hot.map((r) => [
        String(r.concurrency),
        fmt(r.cyclesPerSec),
        fmt(r.checkout.p50, 2),
        fmt(r.checkout.p99, 2),
        fmt(r.release.p50, 2),
        fmt(r.release.p99, 2),
        String(r.errors),
        String(r.wins),
        String(r.conflicts),
        String(r.doubleOwners),
        String(r.releaseMismatches),
        `${r.auditCheckouts}/${r.clientWinsTotal}`,
        r.finalState ?? '-',
        fmt(r.rssMb),
        fmt(r.cpu.serverPct, 0),
        fmt(r.cpu.pgPct, 0),
        r.raw ? fmt(r.raw.cyclesPerSec) : '-',
        r.raw ? fmt(r.raw.checkout.p99, 2) : '-',
        r.ratio !== undefined ? fmt(r.ratio, 2) : '-',
      ]),
    );
  }
  const withErrors = results.filter((r) => r.errors > 0 || (r.raw && r.raw.errors > 0));
  if (withErrors.length) {
    console.log('');
    console.log('errors:');
    for (const r of withErrors) {
      if (r.errors) console.log(`  ${r.scenario} C=${r.concurrency}: ${r.errorKinds}`);
      if (r.raw?.errors) console.log(`  raw C=${r.concurrency}: ${r.raw.errorKinds}`);
    }
  }
  const peaks = results.map((r) => r.rssPeakMb).filter(Number.isFinite);
  const peak = peaks.length ? Math.max(...peaks) : NaN;
  console.log('');
  console.log(`server RSS: idle ${fmt(idleRss)} MB, peak (VmHWM) ${fmt(peak)} MB`);
  console.log('cpu%: share of one core used by the server process / by all PostgreSQL processes during the measured window');
  console.log(`load generator (this process): ${results.map((r) => `${r.scenario} C=${r.concurrency} ${fmt(r.cpu.benchPct, 0)}%`).join(', ')}`);
  for (const r of results.filter((x) => x.scenario !== 'hot')) {
    const unit = r.scenario === 'read' ? 'call' : 'cycle';
    console.log(
      `  ${r.scenario} C=${r.concurrency}: server ${fmt(r.cpu.serverMsPerCycle, 2)} ms CPU per ${unit}, PostgreSQL ${fmt(r.cpu.pgMsPerCycle, 2)} ms` +
        (r.raw ? `; raw: PostgreSQL ${fmt(r.raw.cpu.pgMsPerCycle, 2)} ms, load generator ${fmt(r.raw.cpu.benchPct, 0)}% of a core` : ''),
    );
  }
}

function printReads(reads: RunResult[]): void {
  for (const r of reads) {
    printTable(
      `read C=${r.concurrency}: ${fmt(r.cyclesPerSec)} calls/s` +
        (r.raw ? `, raw floor ${fmt(r.raw.cyclesPerSec)} calls/s, api/raw ${fmt(r.ratio ?? NaN, 2)}` : '') +
        ` (each worker rotates over the kinds; latencies in ms)`,
      ['kind', 'calls/s', 'p50', 'p99', 'raw calls/s', 'raw p50', 'raw p99', 'api/raw p50'],
      (r.reads ?? []).map((k) => [
        k.kind,
        fmt(k.api.perSec),
        fmt(k.api.p50, 2),
        fmt(k.api.p99, 2),
        k.raw ? fmt(k.raw.perSec) : '-',
        k.raw ? fmt(k.raw.p50, 2) : '-',
        k.raw ? fmt(k.raw.p99, 2) : '-',
        k.raw ? fmt(k.api.p50 / k.raw.p50, 2) : '-',
      ]),
    );
  }
}

export interface TargetCheck {
  name: string;
  pass: boolean | null;
  detail: string;
}

export function checkTargets(results: RunResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const cyc = results.find((r) => r.scenario === 'cycle' && r.concurrency === 16);
  if (cyc) {
    const p99 = Math.max(cyc.checkout.p99, cyc.release.p99);
    checks.push({
      name: 'cycle C=16 api/raw >= 0.5',
      pass: cyc.ratio === undefined ? null : cyc.ratio >= 0.5,
      detail: cyc.ratio === undefined ? 'raw baseline not run' : `${fmt(cyc.ratio, 2)} (${fmt(cyc.cyclesPerSec)} / ${fmt(cyc.raw?.cyclesPerSec ?? NaN)} cycles/s)`,
    });
    checks.push({ name: 'cycle C=16 p99 < 50 ms per call', pass: Number.isFinite(p99) && p99 < 50, detail: `checkout ${fmt(cyc.checkout.p99, 2)} ms, release ${fmt(cyc.release.p99, 2)} ms` });
    checks.push({ name: 'cycle C=16 zero errors', pass: cyc.errors === 0 && cyc.cycles > 0, detail: `${cyc.errors} errors, ${cyc.cycles} cycles` });
  }
  const hot = results.find((r) => r.scenario === 'hot' && r.concurrency === 16);
  if (hot) {
    const p99 = Math.max(hot.checkout.p99, hot.release.p99);
    checks.push({
      name: 'hot C=16 zero double owners',
      pass: hot.doubleOwners === 0 && hot.releaseMismatches === 0 && (hot.auditCheckouts ?? 0) > 0,
      detail: `${hot.doubleOwners} double owners, ${hot.releaseMismatches} release mismatches over ${hot.auditCheckouts} audited checkouts`,
    });
    checks.push({
      name: 'hot C=16 handoffs/s >= 0.5 x raw',
      pass: hot.ratio === undefined ? null : hot.ratio >= 0.5,
      detail: hot.ratio === undefined ? 'raw baseline not run' : `${fmt(hot.ratio, 2)} (${fmt(hot.cyclesPerSec)} / ${fmt(hot.raw?.cyclesPerSec ?? NaN)} handoffs/s)`,
    });
    checks.push({ name: 'hot C=16 p99 < 100 ms per call', pass: Number.isFinite(p99) && p99 < 100, detail: `checkout ${fmt(hot.checkout.p99, 2)} ms, release ${fmt(hot.release.p99, 2)} ms` });
    checks.push({ name: 'hot C=16 zero errors', pass: hot.errors === 0 && hot.wins! > 0, detail: `${hot.errors} errors, ${hot.wins} wins` });
  }
  if (checks.length) {
    console.log('');
    console.log('targets:');
    for (const c of checks) console.log(`  [${c.pass === null ? 'n/a ' : c.pass ? 'PASS' : 'FAIL'}] ${c.name}: ${c.detail}`);
  }
  return checks;
}

export function jsonSummary(
  opts: Options,
  results: RunResult[],
  idleRss: number,
  checks: TargetCheck[],
  profile?: ProfileResult,
  load?: { start: number[]; end: number[] },
  seed?: SeedResult,
): string {
  const lat = (s: RunResult['checkout']) => ({ n: s.n, p50: round(s.p50), p99: round(s.p99), max: round(s.max) });
  return JSON.stringify({
    bench: 'clasp',
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    durationSec: opts.durationSec,
    warmupSec: opts.warmupSec,
    raw: 'floor: named statements, one connection per worker',
    workers: opts.workers,
    seed,
    loadAvgStart: load?.start.map((x) => round(x)),
    loadAvgEnd: load?.end.map((x) => round(x)),
    idleRssMb: round(idleRss, 1),
    results: results.map((r) => ({
      scenario: r.scenario,
      c: r.concurrency,
      cyclesPerSec: round(r.cyclesPerSec, 1),
      checkoutMs: lat(r.checkout),
      releaseMs: lat(r.release),
      errors: r.errors,
      errorKinds: r.errorKinds || undefined,
      rssMb: round(r.rssMb, 1),
      serverCpuPct: round(r.cpu.serverPct, 0),
      pgCpuPct: round(r.cpu.pgPct, 0),
      benchCpuPct: round(r.cpu.benchPct, 0),
      serverCpuMsPerCycle: round(r.cpu.serverMsPerCycle),
      ...(r.scenario === 'hot'
        ? { wins: r.wins, conflicts: r.conflicts, doubleOwners: r.doubleOwners, releaseMismatches: r.releaseMismatches, auditCheckouts: r.auditCheckouts, clientWinsTotal: r.clientWinsTotal }
        : {}),
      ...(r.reads ? { reads: r.reads.map((k) => ({ kind: k.kind, perSec: round(k.api.perSec, 1), p50: round(k.api.p50), p99: round(k.api.p99), raw: k.raw ? { perSec: round(k.raw.perSec, 1), p50: round(k.raw.p50), p99: round(k.raw.p99) } : undefined })) } : {}),
      ...(r.rawBatched ? { rawBatchedCyclesPerSec: round(r.rawBatched.cyclesPerSec, 1), ratioBatched: round(r.ratioBatched, 3) } : {}),
      ...(r.raw ? { rawCyclesPerSec: round(r.raw.cyclesPerSec, 1), rawCheckoutMs: lat(r.raw.checkout), rawReleaseMs: lat(r.raw.release), rawErrors: r.raw.errors, ratio: round(r.ratio, 3) } : {}),
    })),
    targets: checks.map((c) => ({ name: c.name, pass: c.pass })),
    profile: profile
      ? Object.fromEntries(
          (['api', 'raw'] as const).map((k) => [
            k,
            {
              wallMsPerCycle: round(profile[k].wallMsPerCycle),
              statementsPerCycle: round(profile[k].statementsPerCycle, 1),
              dbExecMsPerCycle: round(profile[k].dbExecMsPerCycle),
            },
          ]),
        )
      : undefined,
  });
}

export function printProfile(p: ProfileResult): void {
  console.log('');
  console.log(`profile: ${p.api.cycles} sequential checkout+release cycles, 1 agent, statements from pg_stat_statements`);
  for (const [name, side] of [['api', p.api], ['raw', p.raw]] as const) {
    console.log(
      `  ${name}: ${fmt(side.wallMsPerCycle, 2)} ms/cycle wall, ${fmt(side.statementsPerCycle, 1)} statements/cycle, ` +
        `${fmt(side.dbExecMsPerCycle, 2)} ms/cycle executing in PostgreSQL, ${side.errors} failed cycles`,
    );
  }
  console.log('  api statements (calls per cycle, mean exec ms, query):');
  for (const st of p.api.top) console.log(`    ${fmt(st.perCycle, 2).padStart(5)}  ${fmt(st.meanMs, 3).padStart(7)}  ${st.query.slice(0, 150)}`);
}
