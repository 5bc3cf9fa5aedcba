import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer, ROOT, sleep } from '../helpers/server-process';
import { ChaosAgent } from './chaos-agent';
import { FAULT_KINDS, FAULT_ROTATION, FaultContext, FaultRecord, injectFault } from './chaos-faults';
import { RequestStats } from './chaos-http';
import { Ledger } from './chaos-ledger';
import { ChaosPostgres } from './chaos-postgres';
import { seedChaos } from './chaos-seed';
import { ChaosServers } from './chaos-servers';
import { checkInvariants, InvariantReport, violations } from './invariants';
import { ChaosReport, summarize } from './chaos-report';

export interface ChaosOptions {
  durationMs: number;
  /** A hard bound on the agents' requests, whatever the duration. */
  maxRequests: number;
  servers: number;
  agents: number;
  issues: number;
  /** The servers' LOCK_TIMEOUT_MS; a SIGSTOP lasts 2.5 times as long. */
  lockTimeoutMs: number;
  sweepIntervalMs: number;
  runLeaseSeconds: number;
  /** Quiet time between one fault's invariant check and the next fault. */
  faultGapMs: [number, number];
  log: (line: string) => void;
}

export const DEFAULT_OPTIONS: Omit<ChaosOptions, 'durationMs' | 'log'> = {
  maxRequests: 2_000_000,
  servers: 3,
  agents: 24,
  issues: 16,
  lockTimeoutMs: 1000,
  sweepIntervalMs: 1000,
  runLeaseSeconds: 10,
  faultGapMs: [1000, 3000],
};

const REQUEST_TIMEOUT_MS = 8000;

/**
 * The chaos run: a PostgreSQL of its own, N real server processes on it, agents looping the
 * ownership cycle, and one fault at a time — each followed by recovery, a sweep interval and
 * the invariants in SQL — until the time or the request budget is spent; then the invariants once more.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log;
  const buildDir = join(ROOT, '.test-data', `chaos-build-${process.pid}-${randomBytes(3).toString('hex')}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'clasp-chaos-data-'));
  log('building the server…');
  const main = buildServer(buildDir);
  const pg = await ChaosPostgres.start();
  const boardKey = `clasp_board_${randomBytes(24).toString('hex')}`;
  const servers = new ChaosServers(main, {
    DATABASE_URL: pg.url,
    WORKERS: '1',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    AGENT_JWT_SECRET: randomBytes(24).toString('hex'),
    BOOTSTRAP_BOARD_KEY: boardKey,
    LOCK_TIMEOUT_MS: String(options.lockTimeoutMs),
    SWEEP_INTERVAL_MS: String(options.sweepIntervalMs),
    RUN_LEASE_SECONDS: String(options.runLeaseSeconds),
    // CI's second e2e pass (PG_BATCHING=off) puts pg's stock client through the faults too.
    ...(process.env.PG_BATCHING ? { PG_BATCHING: process.env.PG_BATCHING } : {}),
  });
  try {
    await servers.start(options.servers);
    const fixtures = await seedChaos(servers, boardKey, options);
    log(`${options.servers} processes up on PostgreSQL :${pg.port}; ${options.agents} agents, ${fixtures.pool.length} issues`);

    const stats = new RequestStats();
    const ledger = new Ledger();
    const startedAt = Date.now();
    const deadline = startedAt + options.durationMs;
    const faults: FaultRecord[] = [];
    // However short the run, the load lasts until every kind of fault has struck once.
    const shouldStop = () => stats.sent >= options.maxRequests || (Date.now() >= deadline && faults.length >= FAULT_KINDS);
    const world = { servers, stats, ledger, companyId: fixtures.companyId, pool: fixtures.pool, requestTimeoutMs: REQUEST_TIMEOUT_MS, heartbeatEveryMs: 2000, shouldStop };
    const loops = fixtures.agents.map((agent) => new ChaosAgent(agent, world).loop());

    const ctx: FaultContext = { pg, servers, ledger, boardKey, probeIssueId: fixtures.probeIssueId, pauseMs: Math.round(options.lockTimeoutMs * 2.5) };
    const invariantOptions = { leaseSeconds: options.runLeaseSeconds, sweepGraceSeconds: (2 * options.sweepIntervalMs) / 1000 + 1 };
    let checks = 0;
    let totalViolations = 0;
    const check = async (): Promise<InvariantReport> => {
      const report = await checkInvariants(pg.admin, ledger.entries, invariantOptions);
      checks++;
      totalViolations += violations(report);
      return report;
    };

    await sleep(Math.min(3000, options.durationMs / 10)); // load first, then faults
    while (!shouldStop()) {
      const kind = FAULT_ROTATION[faults.length % FAULT_ROTATION.length];
      const fault = await injectFault(ctx, kind);
      await sleep(2 * options.sweepIntervalMs); // one sweep interval (and one more) for the sweeper to tidy what the fault left
      const checkStart = Date.now();
      const report = await check();
      fault.invariantViolations = violations(report);
      fault.checkMs = Date.now() - checkStart;
      if (fault.invariantViolations > 0) log(`VIOLATIONS after ${kind}: ${JSON.stringify(report)}`);
      faults.push(fault);
      log(`${kind}: ${fault.detail}; service back in ${fault.recoveryMs} ms; health seen [${fault.healthSeen.join(',')}]; invariants ${fault.invariantViolations}; ${stats.sent} requests so far`);
      const [min, max] = options.faultGapMs;
      await sleep(Math.min(min + Math.random() * (max - min), Math.max(0, deadline - Date.now())));
    }
    await Promise.all(loops);
    await sleep(2 * options.sweepIntervalMs + 1000);
    const finalInvariants = await check();
    return summarize({ options, startedAt, finishedAt: Date.now(), stats, ledger, faults, checks, totalViolations, finalInvariants, serverOutput: servers.output() });
  } finally {
    await servers.stopAll().catch(() => undefined);
    await pg.stop().catch(() => undefined);
    rmSync(buildDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}
