import { DynamicModule, Global, Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source';
import { LookupRunner } from './lookup-runner';
import { PoolStatsReporter } from './pool-stats';
import { TransactionRunner } from './transaction-runner';

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig & { databaseUrl: string }): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [MetricsModule, TypeOrmModule.forRoot({ ...dataSourceOptions(config.databaseUrl, { lockTimeoutMs: config.lockTimeoutMs, batching: config.pgBatching }), retryAttempts: 3, retryDelay: 500 })],
      providers: [{ provide: APP_CONFIG, useValue: config }, TransactionRunner, LookupRunner, PoolStatsReporter],
      exports: [APP_CONFIG, TransactionRunner, LookupRunner],
    };
  }
}
