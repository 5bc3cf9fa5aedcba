import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import {
  ApiConflictResponse, ApiCreatedResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiParam, ApiTags, ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import type { Actor, BoardActor, RequestScope } from '../auth/actor';
import { CurrentActor, CurrentScope } from '../auth/current-actor.decorator';
import { ErrorBody } from '../common/error-body';
import { CheckoutDto, CreateIssueDto, ForceReleaseQuery, ForceReleaseResponse, IssueResponse, ListIssuesQuery, UpdateIssueDto } from './dto/issue.dto';
import { MinimalPatchIssueResponse, PatchIssueResponse, prefersMinimal } from './dto/patch-response.dto';
import { requestIdempotencyKey } from '../common/idempotency';
import { toCommentResponse, toIssueResponse } from './issue-response';
import { IssueUpdateService } from './issue-update.service';
import { IssuesService } from './issues.service';
import { CheckoutService } from './ownership/checkout.service';
import { ReleaseService } from './ownership/release.service';
import { OwnershipChecked } from './ownership/ownership-checked.decorator';
import { StaleLockPreclear } from './ownership/stale-lock-preclear.service';

const ISSUE_ID_PARAM = { name: 'id', description: 'Issue uuid or identifier (e.g. PAP-12, case-insensitive)' };

@ApiTags('issues')
@ApiNotFoundResponse({ type: ErrorBody })
@Controller()
export class IssuesController {
  constructor(
    private readonly issues: IssuesService,
    private readonly updates: IssueUpdateService,
    private readonly checkouts: CheckoutService,
    private readonly releases: ReleaseService,
    private readonly preclear: StaleLockPreclear,
  ) {}

  @Post('companies/:companyId/issues')
  @Access({ board: 'operator', agent: true })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A retried request with the same key returns the first result' })
  @ApiCreatedResponse({ type: IssueResponse })
  @ApiUnprocessableEntityResponse({ type: ErrorBody, description: 'single_assignee, in_progress_requires_assignee, blocked_by_unresolved, blocker_cycle, invalid_assignee' })
  async create(
    @CurrentActor() actor: Actor,
    @Param('companyId', ParseUUIDPipe) companyId: string,
    @Body() dto: CreateIssueDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<IssueResponse> {
    return toIssueResponse(await this.issues.create(actor, companyId, dto, requestIdempotencyKey(idempotencyKey, dto.idempotencyKey)));
  }

  @Get('companies/:companyId/issues')
  @Access({ board: 'viewer', agent: true })
  @ApiOkResponse({ type: [IssueResponse], description: 'Sorted by priority, then most recently updated' })
  async list(@Param('companyId', ParseUUIDPipe) companyId: string, @Query() query: ListIssuesQuery): Promise<IssueResponse[]> {
    return (await this.issues.list(companyId, query)).map((row) => toIssueResponse(row));
  }

  @Get('issues/:id')
  @Access({ board: 'viewer', agent: true })
  @ApiParam(ISSUE_ID_PARAM)
  @ApiOkResponse({ type: IssueResponse })
  async get(@CurrentScope() scope: RequestScope): Promise<IssueResponse> {
    const { issue, relations } = await this.issues.get(scope.issueId as string);
    return toIssueResponse(issue, relations);
  }

  @Patch('issues/:id')
  @OwnershipChecked()
  @ApiParam(ISSUE_ID_PARAM)
  @ApiHeader({ name: 'Prefer', required: false, description: '`return=minimal` → only `{id, identifier, updatedAt, changes, comment}`' })
  @ApiOkResponse({ type: PatchIssueResponse, description: 'The issue, plus `changes` ({field: {from, to}}) and the posted `comment` (or null)' })
  @ApiConflictResponse({ type: ErrorBody, description: 'run_ownership_conflict, checked_out_by_other_agent, illegal_transition, run_not_live, issue_busy' })
  async update(
    @CurrentActor() actor: Actor,
    @CurrentScope() scope: RequestScope,
    @Body() dto: UpdateIssueDto,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PatchIssueResponse | MinimalPatchIssueResponse> {
    const cleared = await this.preclear.clearBefore(scope);
    const result = await this.updates.update(actor, scope.companyId as string, scope.issueId as string, dto, cleared);
    const comment = result.comment ? toCommentResponse(result.comment) : null;
    if (prefersMinimal(prefer)) {
      res.setHeader('Preference-Applied', 'return=minimal');
      const { id, identifier, updatedAt } = toIssueResponse(result.issue);
      return { id, identifier, updatedAt, changes: result.changes, comment };
    }
    return { ...toIssueResponse(result.issue), changes: result.changes, comment };
  }

  @Post('issues/:id/checkout')
  @HttpCode(200)
  @OwnershipChecked()
  @ApiParam(ISSUE_ID_PARAM)
  @ApiOkResponse({ type: IssueResponse })
  @ApiConflictResponse({ type: ErrorBody, description: 'checkout_conflict (details: issueId, status, assigneeAgentId, checkoutRunId, executionRunId, holderRunStatus), run_not_live' })
  async checkout(
    @CurrentActor() actor: Actor,
    @CurrentScope() scope: RequestScope,
    @Body() dto: CheckoutDto,
  ): Promise<IssueResponse> {
    const cleared = await this.preclear.clearBefore(scope);
    return toIssueResponse(await this.checkouts.checkout(actor, scope.issueId as string, dto, cleared));
  }

  @Post('issues/:id/release')
  @HttpCode(200)
  @OwnershipChecked()
  @ApiParam(ISSUE_ID_PARAM)
  @ApiOkResponse({ type: IssueResponse })
  @ApiConflictResponse({ type: ErrorBody, description: 'not_issue_assignee, run_ownership_conflict, run_not_live' })
  async release(@CurrentActor() actor: Actor, @CurrentScope() scope: RequestScope): Promise<IssueResponse> {
    const cleared = await this.preclear.clearBefore(scope);
    return toIssueResponse(await this.releases.release(actor, scope.issueId as string, cleared));
  }

  @Post('issues/:id/admin/force-release')
  @HttpCode(200)
  @Access({ board: 'operator' })
  @ApiParam(ISSUE_ID_PARAM)
  @ApiOkResponse({ type: ForceReleaseResponse })
  async forceRelease(@CurrentActor() actor: BoardActor, @CurrentScope() scope: RequestScope, @Query() query: ForceReleaseQuery): Promise<ForceReleaseResponse> {
    const result = await this.releases.forceRelease(actor, scope.issueId as string, query.clearAssignee === 'true');
    return { issue: toIssueResponse(result.issue), previous: result.previous };
  }
}
