import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access, AgentOnly, BoardRole } from '../auth/access.decorator';
import type { Actor, AgentActor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import { ApiRoute } from '../docs/api-route.decorator';
import { CreatedKeyResponse, CreateKeyDto, OkResponse } from '../users/users.dto';
import { AgentMeResponse, AgentResponse, CreateAgentDto, toAgentResponse, UpdateAgentDto } from './agents.dto';
import { AgentsService } from './agents.service';

@ApiTags('agents')
@Controller()
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  // Static /agents/me must be declared before /agents/:agentId.
  @Get('agents/me')
  @AgentOnly()
  @ApiRoute({ summary: 'The calling agent', description: 'The agent behind the credential, with its chain of command (managers, nearest first).' })
  @ApiOkResponse({ type: AgentMeResponse })
  async me(@CurrentActor() actor: AgentActor): Promise<AgentMeResponse> {
    const [agent, chainOfCommand] = await Promise.all([this.agents.get(actor.agentId), this.agents.chainOfCommand(actor.agentId)]);
    return { ...toAgentResponse(agent), chainOfCommand };
  }

  @Post('companies/:companyId/agents')
  @BoardRole('admin')
  @ApiRoute({
    summary: 'Create an agent',
    description: 'Adds an active agent to the company. Give it a key with `POST /api/agents/{agentId}/keys`.',
    errors: ['invalid_reference'],
    example: { name: 'Builder', role: 'engineer', title: 'Builds the features' },
  })
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
  @ApiRoute({ summary: "List a company's agents", description: 'Every agent of the company.' })
  @ApiOkResponse({ type: [AgentResponse] })
  async list(@Param('companyId', ParseUUIDPipe) companyId: string): Promise<AgentResponse[]> {
    return (await this.agents.list(companyId)).map(toAgentResponse);
  }

  @Get('agents/:agentId')
  @Access({ board: 'viewer', agent: true })
  @ApiRoute({ summary: 'Get an agent', description: 'One agent.' })
  @ApiOkResponse({ type: AgentResponse })
  async get(@Param('agentId', ParseUUIDPipe) agentId: string): Promise<AgentResponse> {
    return toAgentResponse(await this.agents.get(agentId));
  }

  @Patch('agents/:agentId')
  @BoardRole('admin')
  @ApiRoute({
    summary: 'Update an agent',
    description: 'Changes name, role, title, manager, permissions, or `status` (active, paused, terminated; a terminated agent\'s keys stop working).',
    errors: ['invalid_reference'],
    example: { status: 'paused' },
  })
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
  @ApiRoute({ summary: 'Create an agent key', description: 'Issues a `clasp_agent_…` key for the agent; `token` is shown only in this answer.', example: { name: 'laptop' } })
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
  @ApiRoute({ summary: 'Revoke an agent key', description: 'The key stops working at once.', errors: ['not_found'] })
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
