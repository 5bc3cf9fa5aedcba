import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/access.decorator';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ApiRoute } from '../docs/api-route.decorator';
import { ClaspMetrics } from './clasp-metrics';
import { assertMetricsToken } from './metrics-token';

/** Served at /metrics, outside the /api prefix (configureApp), as Prometheus expects. */
@ApiTags('health')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: ClaspMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Public()
  @ApiRoute({
    summary: 'Prometheus metrics',
    description:
      'The whole server\'s metrics in the Prometheus text format (every worker\'s when WORKERS>1); each name and what to alert on is in docs/operations.md. ' +
      'When METRICS_TOKEN is set, send `Authorization: Bearer <METRICS_TOKEN>` (not a board or agent key).',
    errors: ['unauthenticated', 'invalid_credentials'],
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format', schema: { type: 'string' } })
  async scrape(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) res: Response): Promise<string> {
    assertMetricsToken(this.config.metricsToken, authorization);
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    return this.metrics.render();
  }
}
