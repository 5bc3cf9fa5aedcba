import { Module } from '@nestjs/common';
import { ClaspMetrics } from './clasp-metrics';
import { MetricsController } from './metrics.controller';

/** The one ClaspMetrics of the app, imported where something is counted (database, locks, runs, issues). */
@Module({ controllers: [MetricsController], providers: [ClaspMetrics], exports: [ClaspMetrics] })
export class MetricsModule {}
