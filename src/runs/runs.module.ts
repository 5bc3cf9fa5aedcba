import { Module } from '@nestjs/common';
import { LiveRunsController } from './live-runs.controller';
import { LiveRunsService } from './live-runs.service';
import { RunEndService } from './run-end.service';
import { RunLifecycleService } from './run-lifecycle.service';
import { RunQueriesService } from './run-queries.service';
import { RunsController } from './runs.controller';
import { SweeperService } from './sweeper.service';

/** Heartbeat runs: lifecycle, leases and the sweeper. Lock clearing comes from the global LocksModule. */
@Module({
  controllers: [RunsController, LiveRunsController],
  providers: [RunQueriesService, LiveRunsService, RunEndService, RunLifecycleService, SweeperService],
  exports: [RunQueriesService, LiveRunsService, RunEndService, SweeperService],
})
export class RunsModule {}
