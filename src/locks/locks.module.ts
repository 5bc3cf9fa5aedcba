import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { MetricsModule } from '../metrics/metrics.module';
import { IssueLocksRepository } from './issue-locks.repository';
import { LockViewRepository } from './lock-view.repository';
import { LockViewService } from './lock-view.service';
import { LocksController } from './locks.controller';
import { StaleLockService } from './stale-lock.service';

/** Lock clearing used by both IssuesModule and RunsModule, so neither imports the other for it; and the board's locks view. */
@Module({
  imports: [AuditModule, MetricsModule],
  controllers: [LocksController],
  providers: [IssueLocksRepository, StaleLockService, LockViewRepository, LockViewService],
  exports: [IssueLocksRepository, StaleLockService],
})
export class LocksModule {}
