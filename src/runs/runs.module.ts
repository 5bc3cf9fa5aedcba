import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { LocksModule } from '../locks/locks.module';
import { IdempotencyModule } from '../common/idempotency.module';
import { MetricsModule } from '../metrics/metrics.module';
import { LiveRunsController } from './live-runs.controller';
import { LiveRunsService } from './live-runs.service';
import { RunEndService } from './run-end.service';
import { RunLifecycleService } from './run-lifecycle.service';
import { RunQueriesService } from './run-queries.service';
import { RunReadsRepository } from './run-reads.repository';
import { RunsController } from './runs.controller';
import { RunsRepository } from './runs.repository';
import { SweeperService } from './sweeper.service';

/**
 * Heartbeat runs: lifecycle, leases and the sweeper. AgentsModule for the wake-up lock and
 * heartbeats; LocksModule for lock clearing at run end; AuthModule for run JWTs.
 */
@Module({
  imports: [AgentsModule, IdempotencyModule, LocksModule, AuditModule, AuthModule, MetricsModule],
  controllers: [RunsController, LiveRunsController],
  providers: [RunsRepository, RunReadsRepository, RunQueriesService, LiveRunsService, RunEndService, RunLifecycleService, SweeperService],
  exports: [RunQueriesService, LiveRunsService, RunEndService, SweeperService],
})
export class RunsModule {}
