import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { MetricsModule } from '../metrics/metrics.module';
import { IssueLocksRepository } from './issue-locks.repository';
import { StaleLockService } from './stale-lock.service';

/** Lock clearing used by both IssuesModule and RunsModule, so neither imports the other for it. */
@Module({ imports: [AuditModule, MetricsModule], providers: [IssueLocksRepository, StaleLockService], exports: [IssueLocksRepository, StaleLockService] })
export class LocksModule {}
