import { Global, Module } from '@nestjs/common';
import { StaleLockService } from './stale-lock.service';

/** Lock clearing used by both IssuesModule and RunsModule, so neither imports the other for it. */
@Global()
@Module({ providers: [StaleLockService], exports: [StaleLockService] })
export class LocksModule {}
