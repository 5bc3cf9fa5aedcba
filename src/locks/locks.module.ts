import { Global, Module } from '@nestjs/common';
import { IssueLocksRepository } from './issue-locks.repository';
import { StaleLockService } from './stale-lock.service';

/** Lock clearing used by both IssuesModule and RunsModule, so neither imports the other for it. */
@Global()
@Module({ providers: [IssueLocksRepository, StaleLockService], exports: [IssueLocksRepository, StaleLockService] })
export class LocksModule {}
