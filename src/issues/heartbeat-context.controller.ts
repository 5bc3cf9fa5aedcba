import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import type { Actor, RequestScope } from '../auth/actor';
import { CurrentActor, CurrentScope } from '../auth/current-actor.decorator';
import { ApiIssueIdParam, ApiRoute } from '../docs/api-route.decorator';
import { HeartbeatContextResponse } from './dto/heartbeat-context.dto';
import { HeartbeatContextService } from './heartbeat-context.service';

@ApiTags('issues')
@Controller('issues/:id/heartbeat-context')
export class HeartbeatContextController {
  constructor(private readonly contexts: HeartbeatContextService) {}

  @Get()
  @Access({ board: 'viewer', agent: true })
  @ApiRoute({
    summary: 'Heartbeat context of an issue',
    description: "What an agent reads at the start of a heartbeat (Paperclip's shape): the issue, its ancestors, blockers, the comment cursor and the caller's run.",
  })
  @ApiIssueIdParam()
  @ApiOkResponse({ type: HeartbeatContextResponse, description: "The issue, its ancestors, blockers, the comment cursor and the caller's run" })
  context(@CurrentActor() actor: Actor, @CurrentScope() scope: RequestScope): Promise<HeartbeatContextResponse> {
    return this.contexts.build(actor, scope.issueId as string);
  }
}
