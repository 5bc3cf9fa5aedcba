import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import type { Actor, RequestScope } from '../auth/actor';
import { CurrentActor, CurrentScope } from '../auth/current-actor.decorator';
import { ErrorBody } from '../common/error-body';
import { requestIdempotencyKey } from '../common/idempotency';
import { IssueRunResponse } from './live-runs.dto';
import { toInvokeDto, WakeupDto } from './wakeup.dto';
import { RunEndService } from './run-end.service';
import { RunLifecycleService } from './run-lifecycle.service';
import { RunQueriesService } from './run-queries.service';
import {
  FinishRunDto, HeartbeatResponse, InvokeRunDto, ListRunsQuery, RunResponse, StartedRunResponse, toRunResponse,
} from './runs.dto';

@ApiTags('heartbeat runs')
@ApiNotFoundResponse({ type: ErrorBody })
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
  @ApiAcceptedResponse({ type: RunResponse, description: 'The queued run. An agent may invoke only itself.' })
  @ApiConflictResponse({ type: ErrorBody, description: 'agent_not_invocable' })
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
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A retried wakeup with the same key returns the first run' })
  @ApiAcceptedResponse({ type: RunResponse, description: "Paperclip's wake-up: a queued run, `payload.issueId` as its issue. An agent may wake only itself." })
  @ApiConflictResponse({ type: ErrorBody, description: 'agent_not_invocable' })
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
  @ApiOkResponse({ type: StartedRunResponse })
  @ApiConflictResponse({ type: ErrorBody, description: 'run_state_conflict: the run is not queued' })
  async start(@CurrentActor() actor: Actor, @Param('runId', ParseUUIDPipe) runId: string): Promise<StartedRunResponse> {
    const { run, token } = await this.lifecycle.start(actor, runId);
    const response = toRunResponse(run);
    return { run: response, token, leaseExpiresAt: response.leaseExpiresAt as string };
  }

  @Post('heartbeat-runs/:runId/heartbeat')
  @HttpCode(200)
  @Access({ agent: true })
  @ApiOkResponse({ type: HeartbeatResponse })
  @ApiConflictResponse({ type: ErrorBody, description: 'run_not_live: the run is queued, ended, or its lease ran out' })
  async heartbeat(@CurrentActor() actor: Actor, @Param('runId', ParseUUIDPipe) runId: string): Promise<HeartbeatResponse> {
    const response = toRunResponse(await this.lifecycle.heartbeat(actor, runId));
    return { run: response, leaseExpiresAt: response.leaseExpiresAt as string };
  }

  @Post('heartbeat-runs/:runId/finish')
  @HttpCode(200)
  @Access({ board: 'operator', agent: true })
  @ApiOkResponse({ type: RunResponse, description: 'The ended run; every lock it held is cleared in the same transaction' })
  @ApiConflictResponse({ type: ErrorBody, description: 'run_state_conflict: already ended, or a queued run asked to succeed / time out' })
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
  @ApiOkResponse({ type: RunResponse, description: 'The cancelled run; every lock it held is cleared in the same transaction' })
  @ApiConflictResponse({ type: ErrorBody, description: 'run_state_conflict: the run already ended' })
  async cancel(@CurrentActor() actor: Actor, @Param('runId', ParseUUIDPipe) runId: string): Promise<RunResponse> {
    return toRunResponse(await this.runEnd.end(actor, runId, { status: 'cancelled' }, 'cancel'));
  }

  @Get('heartbeat-runs/:runId')
  @Access({ board: 'viewer', agent: true })
  @ApiOkResponse({ type: RunResponse })
  async get(@Param('runId', ParseUUIDPipe) runId: string): Promise<RunResponse> {
    return toRunResponse(await this.queries.get(runId));
  }

  @Get('companies/:companyId/heartbeat-runs')
  @Access({ board: 'viewer', agent: true })
  @ApiOkResponse({ type: [RunResponse], description: 'Newest first' })
  async list(@Param('companyId', ParseUUIDPipe) companyId: string, @Query() query: ListRunsQuery): Promise<RunResponse[]> {
    return (await this.queries.list(companyId, query)).map(toRunResponse);
  }

  @Get('issues/:id/runs')
  @Access({ board: 'viewer', agent: true })
  @ApiOkResponse({ type: [IssueRunResponse], description: 'Runs woken for the issue, named in its activity, or holding its locks; newest first' })
  async listForIssue(@CurrentScope() scope: RequestScope): Promise<IssueRunResponse[]> {
    // Paperclip names the id `runId` on this route; both are given.
    return (await this.queries.listForIssue(scope.companyId as string, scope.issueId as string)).map((run) => ({ ...toRunResponse(run), runId: run.id }));
  }
}
