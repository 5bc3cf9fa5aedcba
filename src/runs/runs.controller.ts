import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import type { Actor, RequestScope } from '../auth/actor';
import { CurrentActor, CurrentScope } from '../auth/current-actor.decorator';
import { requestIdempotencyKey } from '../common/idempotency';
import { ApiIssueIdParam, ApiRoute } from '../docs/api-route.decorator';
import { IssueRunResponse } from './live-runs.dto';
import { toInvokeDto, WakeupDto } from './wakeup.dto';
import { RunEndService } from './run-end.service';
import { RunLifecycleService } from './run-lifecycle.service';
import { RunQueriesService } from './run-queries.service';
import {
  FinishRunDto, HeartbeatResponse, InvokeRunDto, ListRunsQuery, RunResponse, StartedRunResponse, toRunResponse,
} from './runs.dto';

@ApiTags('runs')
@Controller()
export class RunsController {
  constructor(
    private readonly lifecycle: RunLifecycleService,
    private readonly runEnd: RunEndService,
    private readonly queries: RunQueriesService,
  ) {}

  @Post('agents/:agentId/heartbeat/invoke')
  @HttpCode(202)
  @Access({ board: 'operator', agent: true })
  @ApiRoute({
    summary: 'Invoke an agent (queue a heartbeat run)',
    description: 'Queues a run for the agent, optionally for `issueId`. An agent may invoke only itself (`board_required` otherwise).',
    errors: ['agent_not_invocable', 'invalid_reference', 'run_not_live'],
    example: { invocationSource: 'on_demand', reason: 'Started from the board' },
  })
  @ApiAcceptedResponse({ type: RunResponse, description: 'The queued run' })
  async invoke(
    @CurrentActor() actor: Actor,
    @Param('agentId', ParseUUIDPipe) agentId: string,
    @Body() dto: InvokeRunDto,
  ): Promise<RunResponse> {
    return toRunResponse(await this.lifecycle.invoke(actor, agentId, dto));
  }

  @Post('agents/:agentId/wakeup')
  @HttpCode(202)
  @Access({ board: 'operator', agent: true })
  @ApiRoute({
    summary: 'Wake an agent up',
    description: "Paperclip's wake-up: queues a run, `payload.issueId` as its issue. An agent may wake only itself (`board_required` otherwise).",
    errors: ['agent_not_invocable', 'invalid_reference'],
    example: { source: 'on_demand', reason: 'Woken from the board' },
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A retried wakeup with the same key returns the first run' })
  @ApiAcceptedResponse({ type: RunResponse, description: 'The queued run' })
  async wakeup(
    @CurrentActor() actor: Actor,
    @Param('agentId', ParseUUIDPipe) agentId: string,
    @Body() dto: WakeupDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<RunResponse> {
    const key = requestIdempotencyKey(idempotencyKey, dto.idempotencyKey);
    return toRunResponse(await this.lifecycle.invoke(actor, agentId, toInvokeDto(dto), key));
  }

  @Post('heartbeat-runs/:runId/start')
  @HttpCode(200)
  @Access({ board: 'operator', agent: true })
  @ApiRoute({
    summary: 'Start a queued run (returns the run JWT)',
    description: 'Moves the run from queued to running, starts its lease and returns `token`, the run JWT the agent uses for the rest of the run.',
    errors: ['run_state_conflict', 'run_not_owned'],
  })
  @ApiOkResponse({ type: StartedRunResponse })
  async start(@CurrentActor() actor: Actor, @Param('runId', ParseUUIDPipe) runId: string): Promise<StartedRunResponse> {
    const { run, token } = await this.lifecycle.start(actor, runId);
    const response = toRunResponse(run);
    return { run: response, token, leaseExpiresAt: response.leaseExpiresAt as string };
  }

  @Post('heartbeat-runs/:runId/heartbeat')
  @HttpCode(200)
  @Access({ agent: true })
  @ApiRoute({ summary: "Extend a run's lease", description: "The run's agent renews the lease of its running run.", errors: ['run_not_live', 'run_not_owned'] })
  @ApiOkResponse({ type: HeartbeatResponse })
  async heartbeat(@CurrentActor() actor: Actor, @Param('runId', ParseUUIDPipe) runId: string): Promise<HeartbeatResponse> {
    const response = toRunResponse(await this.lifecycle.heartbeat(actor, runId));
    return { run: response, leaseExpiresAt: response.leaseExpiresAt as string };
  }

  @Post('heartbeat-runs/:runId/finish')
  @HttpCode(200)
  @Access({ board: 'operator', agent: true })
  @ApiRoute({
    summary: 'Finish a run',
    description: 'Ends the run with `status`; every lock it held is cleared in the same transaction. A queued run can only fail or be cancelled.',
    errors: ['run_state_conflict', 'run_not_owned'],
    example: { status: 'succeeded' },
  })
  @ApiOkResponse({ type: RunResponse, description: 'The ended run' })
  async finish(
    @CurrentActor() actor: Actor,
    @Param('runId', ParseUUIDPipe) runId: string,
    @Body() dto: FinishRunDto,
  ): Promise<RunResponse> {
    return toRunResponse(await this.runEnd.end(actor, runId, dto, 'finish'));
  }

  @Post('heartbeat-runs/:runId/cancel')
  @HttpCode(200)
  @Access({ board: 'operator' })
  @ApiRoute({ summary: 'Cancel a run (board)', description: 'Cancels a queued or running run; every lock it held is cleared in the same transaction.', errors: ['run_state_conflict'] })
  @ApiOkResponse({ type: RunResponse, description: 'The cancelled run' })
  async cancel(@CurrentActor() actor: Actor, @Param('runId', ParseUUIDPipe) runId: string): Promise<RunResponse> {
    return toRunResponse(await this.runEnd.end(actor, runId, { status: 'cancelled' }, 'cancel'));
  }

  @Get('heartbeat-runs/:runId')
  @Access({ board: 'viewer', agent: true })
  @ApiRoute({ summary: 'Get a run', description: 'One heartbeat run with its status and lease.' })
  @ApiOkResponse({ type: RunResponse })
  async get(@Param('runId', ParseUUIDPipe) runId: string): Promise<RunResponse> {
    return toRunResponse(await this.queries.get(runId));
  }

  @Get('companies/:companyId/heartbeat-runs')
  @Access({ board: 'viewer', agent: true })
  @ApiRoute({ summary: "List a company's runs", description: 'Newest first; filter by agent and status.' })
  @ApiOkResponse({ type: [RunResponse], description: 'Newest first' })
  async list(@Param('companyId', ParseUUIDPipe) companyId: string, @Query() query: ListRunsQuery): Promise<RunResponse[]> {
    return (await this.queries.list(companyId, query)).map(toRunResponse);
  }

  @Get('issues/:id/runs')
  @Access({ board: 'viewer', agent: true })
  @ApiRoute({ summary: 'Runs that touched an issue', description: 'Runs woken for the issue, named in its activity, or holding its locks; newest first.' })
  @ApiIssueIdParam()
  @ApiOkResponse({ type: [IssueRunResponse], description: 'Runs woken for the issue, named in its activity, or holding its locks; newest first' })
  async listForIssue(@CurrentScope() scope: RequestScope): Promise<IssueRunResponse[]> {
    // Paperclip names the id `runId` on this route; both are given.
    return (await this.queries.listForIssue(scope.companyId as string, scope.issueId as string)).map((run) => ({ ...toRunResponse(run), runId: run.id }));
  }
}
