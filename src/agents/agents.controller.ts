import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access, AgentOnly, BoardRole } from '../auth/access.decorator';
import type { Actor, AgentActor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import { ErrorBody } from '../common/error-body';
import { CreatedKeyResponse, CreateKeyDto, OkResponse } from '../users/users.dto';
import { AgentMeResponse, AgentResponse, CreateAgentDto, toAgentResponse, UpdateAgentDto } from './agents.dto';
import { AgentsService } from './agents.service';

@ApiTags('agents')
@ApiNotFoundResponse({ type: ErrorBody })
@Controller()
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  // Static /agents/me must be declared before /agents/:agentId.
  @Get('agents/me')
  @AgentOnly()
  @ApiOkResponse({ type: AgentMeResponse })
  async me(@CurrentActor() actor: AgentActor): Promise<AgentMeResponse> {
    const [agent, chainOfCommand] = await Promise.all([this.agents.get(actor.agentId), this.agents.chainOfCommand(actor.agentId)]);
    return { ...toAgentResponse(agent), chainOfCommand };
  }

  @Post('companies/:companyId/agents')
  @BoardRole('admin')
  @ApiCreatedResponse({ type: AgentResponse })
  async create(
    @CurrentActor() actor: Actor,
    @Param('companyId', ParseUUIDPipe) companyId: string,
    @Body() dto: CreateAgentDto,
  ): Promise<AgentResponse> {
    return toAgentResponse(await this.agents.create(actor, companyId, dto));
  }

  @Get('companies/:companyId/agents')
  @Access({ board: 'viewer', agent: true })
  @ApiOkResponse({ type: [AgentResponse] })
  async list(@Param('companyId', ParseUUIDPipe) companyId: string): Promise<AgentResponse[]> {
    return (await this.agents.list(companyId)).map(toAgentResponse);
  }

  @Get('agents/:agentId')
  @Access({ board: 'viewer', agent: true })
  @ApiOkResponse({ type: AgentResponse })
  async get(@Param('agentId', ParseUUIDPipe) agentId: string): Promise<AgentResponse> {
    return toAgentResponse(await this.agents.get(agentId));
  }

  @Patch('agents/:agentId')
  @BoardRole('admin')
  @ApiOkResponse({ type: AgentResponse })
  async update(
    @CurrentActor() actor: Actor,
    @Param('agentId', ParseUUIDPipe) agentId: string,
    @Body() dto: UpdateAgentDto,
  ): Promise<AgentResponse> {
    return toAgentResponse(await this.agents.update(actor, agentId, dto));
  }

  @Post('agents/:agentId/keys')
  @BoardRole('admin')
  @ApiCreatedResponse({ type: CreatedKeyResponse })
  createKey(
    @CurrentActor() actor: Actor,
    @Param('agentId', ParseUUIDPipe) agentId: string,
    @Body() dto: CreateKeyDto,
  ): Promise<CreatedKeyResponse> {
    return this.agents.createKey(actor, agentId, dto.name.trim());
  }

  @Delete('agents/:agentId/keys/:keyId')
  @HttpCode(200)
  @BoardRole('admin')
  @ApiOkResponse({ type: OkResponse })
  async revokeKey(
    @CurrentActor() actor: Actor,
    @Param('agentId', ParseUUIDPipe) agentId: string,
    @Param('keyId', ParseUUIDPipe) keyId: string,
  ): Promise<OkResponse> {
    await this.agents.revokeKey(actor, agentId, keyId);
    return { ok: true };
  }
}
