import { Controller, Get } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import type { Actor, RequestScope } from '../auth/actor';
import { CurrentActor, CurrentScope } from '../auth/current-actor.decorator';
import { ErrorBody } from '../common/error-body';
import { HeartbeatContextResponse } from './dto/heartbeat-context.dto';
import { HeartbeatContextService } from './heartbeat-context.service';

@ApiTags('issues')
@ApiNotFoundResponse({ type: ErrorBody })
@Controller('issues/:id/heartbeat-context')
export class HeartbeatContextController {
  constructor(private readonly contexts: HeartbeatContextService) {}

  @Get()
  @Access({ board: 'viewer', agent: true })
  @ApiParam({ name: 'id', description: 'Issue uuid or identifier' })
  @ApiOkResponse({ type: HeartbeatContextResponse, description: "The issue, its ancestors, blockers, the comment cursor and the caller's run" })
  context(@CurrentActor() actor: Actor, @CurrentScope() scope: RequestScope): Promise<HeartbeatContextResponse> {
    return this.contexts.build(actor, scope.issueId as string);
  }
}
