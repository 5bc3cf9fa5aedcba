import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../docs/api-route.decorator';
import { Access } from './access.decorator';
import type { Actor } from './actor';
import { CurrentActor } from './current-actor.decorator';
import { MeService } from './me.service';

@ApiTags('users')
@Controller('me')
export class MeController {
  constructor(private readonly meService: MeService) {}

  @Get()
  @Access({ board: 'any', agent: true })
  @ApiRoute({ summary: 'Who am I', description: 'The caller as Clasp sees it: a board user with their memberships, or an agent with its company and run.' })
  @ApiOkResponse({
    description: 'The caller: `{type:"board", userId, email, name, isInstanceAdmin, memberships}` or `{type:"agent", agentId, companyId, runId}`',
  })
  me(@CurrentActor() actor: Actor): Promise<Record<string, unknown>> {
    return this.meService.describe(actor);
  }
}
