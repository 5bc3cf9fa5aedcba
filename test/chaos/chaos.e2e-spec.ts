import { stopAllServers } from '../helpers/server-process';
import { ChaosReport, formatReport, RECOVERY_BOUND_MS } from './chaos-report';
import { DEFAULT_OPTIONS, runChaos } from './run-chaos';

/**
 * Issue 13, the short chaos run of `npm test` (the long one: `npm run chaos -- --minutes N`): real server
 * processes and a real PostgreSQL, faults of every kind under load, the invariants after each.
 */
const SECONDS = Number(process.env.CHAOS_SECONDS ?? 60);

jest.setTimeout(SECONDS * 1000 + 240_000);

describe(`chaos: ${SECONDS} s of faults under the ownership cycle`, () => {
  let report: ChaosReport;

  beforeAll(async () => {
    report = await runChaos({ ...DEFAULT_OPTIONS, durationMs: SECONDS * 1000, maxRequests: 200_000, log: () => undefined });
    console.log(formatReport(report));
  });
  afterAll(() => stopAllServers());

  it('injects every kind of fault under load', () => {
    expect(Object.keys(report.faults).sort()).toEqual(['pg-restart-fast', 'pg-restart-immediate', 'pg-terminate-backends', 'sigkill-server', 'sigstop-server']);
    expect(report.requests).toBeGreaterThan(1000);
    expect(report.acknowledgedWrites).toBeGreaterThan(300);
  });

  it('keeps every invariant after every fault and at the end', () => {
    expect(report.invariantChecks).toBe(report.faultLog.length + 1);
    expect(report.faultLog.map((f) => [f.kind, f.invariantViolations])).toEqual(report.faultLog.map((f) => [f.kind, 0]));
    expect(report.finalInvariants).toEqual(Object.fromEntries(Object.keys(report.finalInvariants).map((name) => [name, { count: 0, sample: [] }])));
  });

  it('never answers a 500: only 503 database_unavailable, and only around a database fault', () => {
    expect(report.serverErrors.unexpectedSamples).toEqual([]);
    expect(report.serverLogErrorLines).toEqual([]);
    expect(report.serverErrors.databaseUnavailable).toBeGreaterThan(0);
  });

  it('answers /api/health 503 while PostgreSQL is down; the other processes stay healthy while one is killed or stopped', () => {
    expect(report.healthDuringPgRestart).toEqual(['503']);
    expect(report.healthOfOthersDuringProcessFaults).toEqual(['200']);
  });

  it(`serves writes on every process again within PostgreSQL-ready + ${RECOVERY_BOUND_MS / 1000} s`, () => {
    expect(report.recoveryMs.pgRestart.length).toBeGreaterThanOrEqual(2);
    for (const ms of report.recoveryMs.pgRestart) expect(ms).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
  });
});
