import { Controller, Get, Headers, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { ServerResponse } from 'node:http';
import { Access } from '../auth/access.decorator';
import { DomainError } from '../common/domain-error';
import { ErrorBody } from '../common/error-body';
import { EVENT_ID, EventsQuery } from './events.dto';
import { EventHubService } from './event-hub.service';

@ApiTags('events')
@ApiNotFoundResponse({ type: ErrorBody })
@Controller()
export class EventsController {
  constructor(private readonly hub: EventHubService) {}

  @Get('companies/:companyId/events')
  @Access({ board: 'viewer', agent: true })
  @ApiOperation({
    summary: 'Live activity of the company as Server-Sent Events',
    description:
      'One event per activity row: `id` = its cursor, `event` = the action, `data` = the activity row (JSON). ' +
      'Reconnect with `Last-Event-ID` (or `?after=`) to get exactly the events missed, from any server process. ' +
      'A `: keep-alive` comment is sent every 15 s; a client that stops reading is disconnected.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last event received' })
  @ApiOkResponse({ description: 'text/event-stream', schema: { type: 'string' } })
  @ApiBadRequestResponse({ type: ErrorBody })
  async events(
    @Param('companyId', ParseUUIDPipe) companyId: string,
    @Query() query: EventsQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: ServerResponse,
  ): Promise<void> {
    const after = lastEventId?.trim() || query.after;
    if (after !== undefined && !EVENT_ID.test(after)) {
      throw new DomainError('validation_failed', 'Last-Event-ID must be an event id (digits)', {
        problems: [{ field: 'Last-Event-ID', problems: ['not an event id'] }],
      });
    }
    await this.hub.subscribe(companyId, res, after === undefined ? null : BigInt(after), { issueId: query.issueId, action: query.action });
  }
}
