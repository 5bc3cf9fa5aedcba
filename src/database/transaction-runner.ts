import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { isRetryableTransactionError } from './pg-errors';

const MAX_ATTEMPTS = 4;

/**
 * The one way to run a unit of work: a transaction with a bounded lock wait,
 * retried whole on deadlock or serialization failure. Work must not keep side
 * effects outside the transaction, since it may run more than once.
 */
@Injectable()
export class TransactionRunner {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (em) => {
          await em.query(`SELECT set_config('lock_timeout', $1, true)`, [`${this.config.lockTimeoutMs}ms`]);
          return work(em);
        });
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isRetryableTransactionError(error)) throw error;
        await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10 * attempt));
      }
    }
  }
}
