import { Injectable, PipeTransform } from '@nestjs/common';
import type { RequestScope } from '../../auth/actor';
import { TransactionRunner } from '../../database/transaction-runner';
import { ClearedLocks, StaleLockService } from '../../locks/stale-lock.service';

/**
 * Before an ownership-checked handler, clears the issue's stale locks in a short transaction of
 * its own. A convenience only: the handler clears again under its own row lock. It opens a
 * transaction only when the guard's lock-free read of the issue saw a stale lock.
 *
 * A pipe on the handler's @ClearedBefore() parameter rather than an interceptor: Nest wraps every
 * intercepted call in rxjs Observables and async resources, which cost more CPU on checkout and
 * release than the rest of the request pipeline (docs/performance.md, "Server CPU per call").
 */
@Injectable()
export class ClearStaleLocksPipe implements PipeTransform<RequestScope | undefined, Promise<ClearedLocks | null>> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly staleLocks: StaleLockService,
  ) {}

  async transform(scope: RequestScope | undefined): Promise<ClearedLocks | null> {
    const issueId = scope?.issueId;
    if (!issueId || !scope.issueHasStaleLock) return null;
    return this.tx.run((em) => this.staleLocks.clearStaleLocks(em, issueId, 'request'));
  }
}
