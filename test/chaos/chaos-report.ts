import type { FaultKind, FaultRecord } from './chaos-faults';
import type { RequestStats } from './chaos-http';
import type { Ledger } from './chaos-ledger';
import type { InvariantReport } from './invariants';
import type { ChaosOptions } from './run-chaos';

export interface ChaosReport {
  seconds: number;
  servers: number;
  agents: number;
  requests: number;
  byStatus: Record<string, number>;
  errorsByCode: Record<string, number>;
  acknowledgedWrites: number;
  faults: Record<FaultKind, number>;
  faultLog: FaultRecord[];
  invariantChecks: number;
  invariantViolations: number;
  finalInvariants: InvariantReport;
  /** Every 5xx; `unexpected` is anything but a 503 database_unavailable during a database fault's window. */
  serverErrors: { total: number; databaseUnavailable: number; unexpected: number; unexpectedSamples: unknown[] };
  /** Milliseconds from PostgreSQL ready to every process serving writes, per restart; and the same after the other faults. */
  recoveryMs: { pgRestart: number[]; afterOtherFaults: { max: number; median: number } };
  /** /api/health while PostgreSQL was down; and the other processes' health while one was killed or stopped. */
  healthDuringPgRestart: string[];
  healthOfOthersDuringProcessFaults: string[];
  serverLogErrorLines: string[];
}

const median = (values: number[]) => (values.length === 0 ? 0 : [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]);
const isPgRestart = (kind: FaultKind) => kind === 'pg-restart-fast' || kind === 'pg-restart-immediate';

interface RunResult {
  options: ChaosOptions;
  startedAt: number;
  finishedAt: number;
  stats: RequestStats;
  ledger: Ledger;
  faults: FaultRecord[];
  checks: number;
  totalViolations: number;
  finalInvariants: InvariantReport;
  serverOutput: string;
}

export function summarize(run: RunResult): ChaosReport {
  const dbFaults = run.faults.filter((f) => isPgRestart(f.kind) || f.kind === 'pg-terminate-backends');
  const inDbWindow = (at: number) => dbFaults.some((f) => at >= f.window.from && at <= f.window.to);
  const unexpected = run.stats.serverErrors.filter((e) => !(e.status === 503 && e.code === 'database_unavailable' && inDbWindow(e.at)));
  const counts = {} as Record<FaultKind, number>;
  for (const fault of run.faults) counts[fault.kind] = (counts[fault.kind] ?? 0) + 1;
  const others = run.faults.filter((f) => !isPgRestart(f.kind)).map((f) => f.recoveryMs);
  return {
    seconds: Math.round((run.finishedAt - run.startedAt) / 1000),
    servers: run.options.servers,
    agents: run.options.agents,
    requests: run.stats.sent,
    byStatus: Object.fromEntries([...run.stats.byStatus].sort()),
    errorsByCode: Object.fromEntries([...run.stats.byCode].sort()),
    acknowledgedWrites: run.ledger.size,
    faults: counts,
    faultLog: run.faults,
    invariantChecks: run.checks,
    invariantViolations: run.totalViolations,
    finalInvariants: run.finalInvariants,
    serverErrors: {
      total: run.stats.serverErrors.length,
      databaseUnavailable: run.stats.serverErrors.filter((e) => e.code === 'database_unavailable').length,
      unexpected: unexpected.length,
      unexpectedSamples: unexpected.slice(0, 10),
    },
    recoveryMs: { pgRestart: run.faults.filter((f) => isPgRestart(f.kind)).map((f) => f.recoveryMs), afterOtherFaults: { max: Math.max(0, ...others), median: median(others) } },
    healthDuringPgRestart: [...new Set(run.faults.filter((f) => isPgRestart(f.kind)).flatMap((f) => f.healthSeen))].sort(),
    healthOfOthersDuringProcessFaults: [...new Set(run.faults.filter((f) => !isPgRestart(f.kind)).flatMap((f) => f.healthSeen))].sort(),
    serverLogErrorLines: run.serverOutput.split('\n').filter((line) => /uncaught|request \S+ .* failed:/i.test(line)).slice(0, 20),
  };
}

/** The lines a person reads (and docs/reliability.md quotes). */
export function formatReport(r: ChaosReport): string {
  const pg = r.recoveryMs.pgRestart;
  return [
    `chaos: ${r.seconds} s, ${r.servers} server processes, ${r.agents} agents`,
    `requests: ${r.requests} (${Object.entries(r.byStatus).map(([s, n]) => `${s}: ${n}`).join(', ')})`,
    `errors by code: ${Object.entries(r.errorsByCode).map(([c, n]) => `${c}: ${n}`).join(', ') || 'none'}`,
    `acknowledged writes checked: ${r.acknowledgedWrites}`,
    `faults: ${Object.values(r.faults).reduce((a, b) => a + b, 0)} (${Object.entries(r.faults).map(([k, n]) => `${k}: ${n}`).join(', ')})`,
    `invariant checks: ${r.invariantChecks}, violations: ${r.invariantViolations}`,
    `5xx: ${r.serverErrors.total} (503 database_unavailable in a database fault's window: ${r.serverErrors.total - r.serverErrors.unexpected}; any other: ${r.serverErrors.unexpected})`,
    `PostgreSQL ready → every process serving writes: ${pg.length ? `max ${Math.max(...pg)} ms, median ${median(pg)} ms over ${pg.length} restarts` : 'no restart'}`,
    `after a killed/stopped process or cut connections: every process serving writes within max ${r.recoveryMs.afterOtherFaults.max} ms (median ${r.recoveryMs.afterOtherFaults.median} ms)`,
    `/api/health while PostgreSQL was down: ${r.healthDuringPgRestart.join(', ') || '-'}; the other processes' health while one was killed or stopped: ${r.healthOfOthersDuringProcessFaults.join(', ') || '-'}`,
    `server log errors (500s, uncaught): ${r.serverLogErrorLines.length}`,
  ].join('\n');
}

/** Issue 13's bar: no violation, no 5xx but 503 database_unavailable in a database fault, service back within ready + 5 s. */
export const RECOVERY_BOUND_MS = 5000;
export function passed(r: ChaosReport): boolean {
  return r.invariantViolations === 0 && r.serverErrors.unexpected === 0 && r.recoveryMs.pgRestart.every((ms) => ms <= RECOVERY_BOUND_MS) && r.serverLogErrorLines.length === 0;
}
