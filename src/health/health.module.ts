import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RunsModule } from '../runs/runs.module';
import { HealthController } from './health.controller';
import { HealthRepository } from './health.repository';
import { HealthService } from './health.service';

/** /api/health (the original contract), /api/health/live and /api/health/ready (@nestjs/terminus). */
@Module({
  // A failing probe is already a 503 in the access log: terminus's own error lines would repeat it every probe.
  imports: [TerminusModule.forRoot({ logger: false }), RunsModule],
  controllers: [HealthController],
  providers: [HealthRepository, HealthService],
})
export class HealthModule {}
