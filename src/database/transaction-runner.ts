import { Injectable, Optional } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ClaspMetrics } from '../metrics/clasp-metrics';
import { withAfterCommit } from './after-commit';
import { isRetryableTransactionError, sqlStateOf } from './pg-errors';

const MAX_ATTEMPTS = 4;

/**
 * The one way to run a unit of work: a transaction retried whole on deadlock or serialization
 * failure. Lock waits are bounded by every connection's lock_timeout (LOCK_TIMEOUT_MS, set when
 * the pool connects — one round trip fewer per transaction than SET LOCAL). Work must not keep
 * side effects outside the transaction, since it may run more than once: what must happen only
 * once it committed goes through afterCommit(em, …).
 */
@Injectable()
export class TransactionRunner {
  constructor(
    private readonly dataSource: DataSource,
    @Optional() private readonly metrics?: ClaspMetrics,
  ) {}

  async run<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await withAfterCommit((w) => this.dataSource.transaction(w), work);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isRetryableTransactionError(error)) throw error;
        this.metrics?.transactionRetries.inc({ sqlstate: sqlStateOf(error) ?? 'unknown' });
        await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10 * attempt));
      }
    }
  }
}
