import { Global, Module } from '@nestjs/common';
import { ClaspMetrics } from './clasp-metrics';
import { MetricsController } from './metrics.controller';

/** Global like DatabaseModule: the transaction runner, the sweeper, checkout and lock clearing all count into it. */
@Global()
@Module({ controllers: [MetricsController], providers: [ClaspMetrics], exports: [ClaspMetrics] })
export class MetricsModule {}
