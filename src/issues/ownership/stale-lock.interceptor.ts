import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../../auth/current-actor.decorator';
import { TransactionRunner } from '../../database/transaction-runner';
import { ClearedLocks, StaleLockService } from '../../locks/stale-lock.service';

export interface RequestWithClearedLocks extends AuthenticatedRequest {
  clearedLocks?: ClearedLocks | null;
}

/**
 * Before an ownership-checked handler, clears the issue's stale locks in a short transaction of
 * its own. A convenience only: the handler clears again under its own row lock. It opens a
 * transaction only when the guard's lock-free read of the issue saw a stale lock.
 */
@Injectable()
export class StaleLockInterceptor implements NestInterceptor {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly staleLocks: StaleLockService,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<RequestWithClearedLocks>();
    const issueId = request.scope?.issueId;
    if (issueId && request.scope?.issueHasStaleLock) {
      request.clearedLocks = await this.tx.run((em) => this.staleLocks.clearStaleLocks(em, issueId, 'request'));
    }
    return next.handle();
  }
}
