import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { clusterMetricsFromPrimary, inClusterWorker } from './cluster-metrics';

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

/**
 * Every Clasp metric, in one registry per application (docs/operations.md lists them and what to
 * alert on). Labels are bounded sets — route templates, error codes, statuses, sources, SQLSTATEs —
 * never an id.
 */
@Injectable()
export class ClaspMetrics {
  readonly registry = new Registry();
  private poolStats: (() => PoolStats | undefined) | undefined;

  readonly httpDuration = new Histogram({
    name: 'clasp_http_request_duration_seconds',
    help: 'HTTP requests by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly checkouts = new Counter({
    name: 'clasp_checkouts_total',
    help: 'Checkout answers: checked_out, idempotent, adopted, or the error code refusing it',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly gateRefusals = new Counter({
    name: 'clasp_ownership_gate_refusals_total',
    help: 'Writes (PATCH, comment, release) the ownership gate refused, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly staleLocksCleared = new Counter({
    name: 'clasp_stale_locks_cleared_total',
    help: 'Issue locks cleared because their run no longer held them (committed), by source',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly runsStarted = new Counter({ name: 'clasp_runs_started_total', help: 'Runs moved from queued to running', registers: [this.registry] });
  readonly runsFinished = new Counter({
    name: 'clasp_runs_finished_total',
    help: 'Runs that reached a terminal status, by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly runsTimedOut = new Counter({
    name: 'clasp_runs_timed_out_total',
    help: 'Runs the server timed out because their lease expired (sweeper or a late heartbeat)',
    registers: [this.registry],
  });
  readonly transactionRetries = new Counter({
    name: 'clasp_transaction_retries_total',
    help: 'Transactions retried whole after a deadlock or serialization failure, by SQLSTATE',
    labelNames: ['sqlstate'] as const,
    registers: [this.registry],
  });
  readonly issueBusy = new Counter({
    name: 'clasp_issue_busy_total',
    help: 'Requests answered 409 issue_busy (lock wait timed out, or a concurrent update), by route template',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });
  readonly sweepDuration = new Histogram({
    name: 'clasp_sweeper_duration_seconds',
    help: "This process's sweeps, successful or not",
    labelNames: ['result'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });
  readonly sweepLastSuccess = new Gauge({
    name: 'clasp_sweeper_last_success_timestamp_seconds',
    help: "Unix time this process's sweeper last finished a sweep (0: not yet; WORKERS>1: the oldest worker's)",
    // Several workers: the stalest sweeper is the one to alert on.
    aggregator: 'min',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.poolGauge('clasp_db_pool_size', 'Connections open in the database pool', (s) => s.total);
    this.poolGauge('clasp_db_pool_idle', 'Open connections not in use', (s) => s.idle);
    this.poolGauge('clasp_db_pool_waiting', 'Queries waiting for a free connection', (s) => s.waiting);
    this.poolGauge('clasp_db_pool_max', 'The pool size limit', (s) => s.max);
  }

  /** Read at scrape time (`collect`): nothing on the request path. */
  private poolGauge(name: string, help: string, pick: (stats: PoolStats) => number): void {
    const read = () => this.poolStats?.();
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        const stats = read();
        if (stats) this.set(pick(stats));
      },
    });
  }

  /** The database module tells where the pool's numbers come from. */
  reportPoolWith(source: () => PoolStats | undefined): void {
    this.poolStats = source;
  }

  /** This process's metrics; in a cluster worker, every worker's, gathered by the primary. */
  render(): Promise<string> {
    return inClusterWorker() ? clusterMetricsFromPrimary() : this.registry.metrics();
  }
}
