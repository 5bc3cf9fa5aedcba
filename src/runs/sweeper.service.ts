import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionRunner } from '../database/transaction-runner';
import { StaleLockService } from '../locks/stale-lock.service';
import { ClaspMetrics } from '../metrics/clasp-metrics';
import { RunEndService } from './run-end.service';
import { RunReadsRepository } from './run-reads.repository';

export interface SweepResult {
  /** Runs this sweep moved to timed_out. */
  timedOut: number;
  /** Expired runs this sweep could not end (busy rows, lock timeouts); the next sweep retries. */
  failed: number;
  /** Issues whose stale locks (terminal or missing runs) this sweep cleared. */
  staleLocksCleared: number;
}

const MAX_RUNS_PER_SWEEP = 1000;
const STALE_LOCK_BATCH = 200;
const MAX_STALE_LOCK_BATCHES = 10;

/**
 * Belt and braces for leases and locks, in every server process: times out runs whose lease ran
 * out by the database clock, then clears locks still naming terminal or missing runs. Processes
 * may sweep at once; each run is ended by one of them only (see RunEndService.timeOutIfExpired).
 */
@Injectable()
export class SweeperService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Sweeper');
  private timer: NodeJS.Timeout | null = null;
  /** The sweeps of this process run one after another, never overlapping. */
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private lastSuccess: number | null = null;

  constructor(
    private readonly reads: RunReadsRepository,
    private readonly tx: TransactionRunner,
    private readonly staleLocks: StaleLockService,
    private readonly runEnd: RunEndService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: ClaspMetrics,
  ) {}

  /** When this process last finished a sweep (Date.now()), for the readiness probe; null before the first. */
  lastSuccessAt(): number | null {
    return this.lastSuccess;
  }

  intervalMs(): number {
    return this.config.sweepIntervalMs;
  }

  /** createClaspApp calls app.init() before listen(): the first sweep finishes before any request is served. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.sweepOnce();
    } catch (error) {
      this.logger.error(`start-up sweep failed: ${(error as Error)?.stack ?? error}`);
    }
    this.timer = setInterval(() => this.tick(), this.config.sweepIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.queue.catch(() => undefined);
  }

  /** One full sweep, queued behind any sweep of this process still running. */
  sweepOnce(): Promise<SweepResult> {
    this.pending++;
    const next = this.queue.then(() => this.timedSweep()).finally(() => this.pending--);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The timer never stacks sweeps: a tick while one is queued or running is skipped. */
  private tick(): void {
    if (this.pending > 0) return;
    this.sweepOnce().catch((error) => this.logger.error(`sweep failed: ${(error as Error)?.stack ?? error}`));
  }

  private async timedSweep(): Promise<SweepResult> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const result = await this.sweep();
      this.lastSuccess = Date.now();
      this.metrics.sweepLastSuccess.set(this.lastSuccess / 1000);
      this.metrics.sweepDuration.observe({ result: 'ok' }, seconds());
      return result;
    } catch (error) {
      this.metrics.sweepDuration.observe({ result: 'failed' }, seconds());
      throw error;
    }
  }

  private async sweep(): Promise<SweepResult> {
    // Candidates are read without locks; each is re-checked under its own row lock.
    const candidates = await this.reads.expiredLeaseIds(MAX_RUNS_PER_SWEEP);
    const result: SweepResult = { timedOut: 0, failed: 0, staleLocksCleared: 0 };
    for (const id of candidates) {
      try {
        if (await this.runEnd.timeOutIfExpired(id)) result.timedOut++;
      } catch (error) {
        result.failed++;
        this.logger.warn(`could not time out run ${id}: ${(error as Error)?.message ?? error}`);
      }
    }
    for (let batch = 0; batch < MAX_STALE_LOCK_BATCHES; batch++) {
      const cleared = await this.tx.run((em) => this.staleLocks.sweep(em, STALE_LOCK_BATCH));
      result.staleLocksCleared += cleared;
      if (cleared < STALE_LOCK_BATCH) break;
    }
    if (result.timedOut || result.failed || result.staleLocksCleared) this.logger.log(`swept: ${JSON.stringify(result)}`);
    return result;
  }
}
