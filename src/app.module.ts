import { DynamicModule, Module } from '@nestjs/common';
import { AgentsModule } from './agents/agents.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CompaniesModule } from './companies/companies.module';
import type { AppConfig } from './config/app-config';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { IssuesModule } from './issues/issues.module';
import { LocksModule } from './locks/locks.module';
import type { LogSettings } from './logging/log-options';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { RunsModule } from './runs/runs.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  /** `config.databaseUrl` must be resolved (the embedded database started) before the module is built. */
  static forRoot(config: AppConfig & { databaseUrl: string }, logs: LogSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [LoggingModule.forRoot(logs), MetricsModule, DatabaseModule.forRoot(config), AuditModule, AuthModule, HealthModule, UsersModule, CompaniesModule, AgentsModule, LocksModule, RunsModule, IssuesModule],
    };
  }
}
