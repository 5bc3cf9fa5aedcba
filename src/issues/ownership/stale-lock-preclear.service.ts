import { Injectable } from '@nestjs/common';
import type { RequestScope } from '../../auth/actor';
import { TransactionRunner } from '../../database/transaction-runner';
import { ClearedLocks, StaleLockService } from '../../locks/stale-lock.service';

/**
 * At the start of an ownership-checked handler, clears the issue's stale locks in a short
 * transaction of its own (ownership.md §6). A convenience only: the handler clears again under
 * its own row lock. It opens a transaction only when the guard's lock-free read of the issue saw
 * a stale lock. Called from the handler, after the body and query passed validation, so a request
 * refused as invalid writes nothing (an interceptor would run before the pipes).
 */
@Injectable()
export class StaleLockPreclear {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly staleLocks: StaleLockService,
  ) {}

  async clearBefore(scope: RequestScope): Promise<ClearedLocks | null> {
    const issueId = scope.issueId;
    if (!issueId || !scope.issueHasStaleLock) return null;
    return this.tx.run((em) => this.staleLocks.clearStaleLocks(em, issueId, 'request'));
  }
}
