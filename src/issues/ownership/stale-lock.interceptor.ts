import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import type { AuthenticatedRequest } from '../../auth/current-actor.decorator';
import { TransactionRunner } from '../../database/transaction-runner';
import { HAS_STALE_LOCK_SQL } from '../../locks/lock-holders';
import { ClearedLocks, StaleLockService } from '../../locks/stale-lock.service';

export interface RequestWithClearedLocks extends AuthenticatedRequest {
  clearedLocks?: ClearedLocks | null;
}

/**
 * Before an ownership-checked handler, clears the issue's stale locks in a short transaction of
 * its own. A convenience only: the handler clears again under its own row lock.
 */
@Injectable()
export class StaleLockInterceptor implements NestInterceptor {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly staleLocks: StaleLockService,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<RequestWithClearedLocks>();
    const issueId = request.scope?.issueId;
    if (issueId && (await this.hasStaleLock(issueId))) {
      request.clearedLocks = await this.tx.run((em) => this.staleLocks.clearStaleLocks(em, issueId, 'request'));
    }
    return next.handle();
  }

  /** A lock-free look first, so the common case (nothing stale) costs one read and no transaction. */
  private async hasStaleLock(issueId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM issues i WHERE i.id = $1 AND ${HAS_STALE_LOCK_SQL}`,
      [issueId],
    );
    return rows.length > 0;
  }
}
