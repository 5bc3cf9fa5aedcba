import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ClaspMetrics, PoolStats } from '../metrics/clasp-metrics';

/** The subset of pg.Pool's public counters the metrics read. */
interface PgPoolCounters {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

/** Feeds the pool gauges from TypeORM's pg pool (PostgresDriver.master), read at scrape time. */
@Injectable()
export class PoolStatsReporter implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: ClaspMetrics,
  ) {}

  onModuleInit(): void {
    this.metrics.reportPoolWith(() => this.read());
  }

  private read(): PoolStats | undefined {
    const pool = (this.dataSource.driver as unknown as { master?: PgPoolCounters }).master;
    if (!pool || typeof pool.totalCount !== 'number') return undefined;
    return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options?.max ?? 0 };
  }
}
