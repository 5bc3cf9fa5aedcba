import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/access.decorator';
import { ErrorBody } from '../common/error-body';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ClaspMetrics } from './clasp-metrics';
import { assertMetricsToken } from './metrics-token';

/** Served at /metrics, outside the /api prefix (configureApp), as Prometheus expects. */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: ClaspMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: "Prometheus metrics of this server process (docs/operations.md); Bearer METRICS_TOKEN when it is set" })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format', schema: { type: 'string' } })
  @ApiUnauthorizedResponse({ type: ErrorBody, description: 'METRICS_TOKEN is set and the request did not carry it' })
  async scrape(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) res: Response): Promise<string> {
    assertMetricsToken(this.config.metricsToken, authorization);
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    return this.metrics.render();
  }
}
