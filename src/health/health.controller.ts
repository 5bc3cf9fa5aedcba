import { Controller, Get, HttpStatus, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '../auth/access.decorator';
import { ApiRoute } from '../docs/api-route.decorator';
import { APP_VERSION } from '../common/version';
import { HealthService } from './health.service';

export class HealthResponse {
  @ApiProperty({ example: 'ok' }) status: string;
  @ApiProperty({ example: '0.1.0' }) version: string;
  @ApiProperty({ example: 'up', enum: ['up', 'down'] }) database: string;
}

export class ProbeResponse {
  @ApiProperty({ example: 'ok' }) status: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { database: { status: 'up' } } }) details: Record<string, unknown>;
}

type NotReady = { error: string; code: 'not_ready'; details: Record<string, unknown> };

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly probes: HealthService) {}

  @Get()
  @Public()
  @ApiRoute({ summary: 'Health', description: 'Whether the server can reach its database, and its version. 503 (`database_unavailable`) when the database is down.' })
  @ApiOkResponse({ type: HealthResponse })
  async health(@Res({ passthrough: true }) res: Response): Promise<HealthResponse | Record<string, unknown>> {
    if (await this.probes.databaseUp()) return { status: 'ok', version: APP_VERSION, database: 'up' };
    res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status: 'error', version: APP_VERSION, database: 'down', error: 'The database is unavailable', code: 'database_unavailable' };
  }

  @Get('live')
  @Public()
  @ApiRoute({ summary: 'Liveness', description: 'The process is up and serving HTTP. Never touches the database: restart the process only when this fails.' })
  @ApiOkResponse({ type: ProbeResponse })
  async live(): Promise<HealthCheckResult> {
    return this.probes.live();
  }

  @Get('ready')
  @Public()
  @ApiRoute({
    summary: 'Readiness',
    description:
      "Whether this process should get traffic: the database answers, no migration is pending, and this process's sweeper succeeded within 3 sweep intervals. " +
      '503 (`not_ready`) otherwise; `details` names each check and its state.',
    errors: ['not_ready'],
  })
  @ApiOkResponse({ type: ProbeResponse })
  async ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult | NotReady> {
    try {
      return await this.probes.ready();
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      res.status(HttpStatus.SERVICE_UNAVAILABLE);
      const down = Object.keys(result.error ?? {});
      return { error: `Not ready: ${down.join(', ')} down`, code: 'not_ready', details: result.details };
    }
  }
}
