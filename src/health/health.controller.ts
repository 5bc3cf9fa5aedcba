import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '../auth/access.decorator';
import { ApiRoute } from '../docs/api-route.decorator';
import { APP_VERSION } from '../common/version';
import { query } from '../database/sql';

export class HealthResponse {
  @ApiProperty({ example: 'ok' }) status: string;
  @ApiProperty({ example: '0.1.0' }) version: string;
  @ApiProperty({ example: 'up', enum: ['up', 'down'] }) database: string;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @Public()
  @ApiRoute({ summary: 'Health', description: 'Whether the server can reach its database, and its version. 503 (`database_unavailable`) when the database is down.' })
  @ApiOkResponse({ type: HealthResponse })
  async health(@Res({ passthrough: true }) res: Response): Promise<HealthResponse | Record<string, unknown>> {
    try {
      await query(this.dataSource.manager, 'SELECT 1');
      return { status: 'ok', version: APP_VERSION, database: 'up' };
    } catch {
      res.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { status: 'error', version: APP_VERSION, database: 'down', error: 'The database is unavailable', code: 'database_unavailable' };
    }
  }
}
