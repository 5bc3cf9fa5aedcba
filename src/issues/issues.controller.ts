import { Body, Controller, Get, Headers, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import type { Actor, RequestScope } from '../auth/actor';
import { CurrentActor, CurrentScope } from '../auth/current-actor.decorator';
import { ApiIssueIdParam, ApiRoute } from '../docs/api-route.decorator';
import { CreateIssueDto, IssueResponse, ListIssuesQuery, UpdateIssueDto } from './dto/issue.dto';
import { MinimalPatchIssueResponse, PatchIssueResponse, prefersMinimal } from './dto/patch-response.dto';
import { requestIdempotencyKey } from '../common/idempotency';
import { toCommentResponse, toIssueResponse } from './issue-response';
import { IssueUpdateService } from './issue-update.service';
import { IssuesService } from './issues.service';
import type { ClearedLocks } from '../locks/stale-lock.service';
import { ClearedBefore, OwnershipChecked } from './ownership/ownership-checked.decorator';

@ApiTags('issues')
@Controller()
export class IssuesController {
  constructor(
    private readonly issues: IssuesService,
    private readonly updates: IssueUpdateService,
  ) {}

  @Post('companies/:companyId/issues')
  @Access({ board: 'operator', agent: true })
  @ApiRoute({
    summary: 'Create an issue',
    description: 'Creates an issue in the company; it gets the next identifier (`PAP-12`). An agent creating an issue with its run id must be in a live run.',
    errors: ['single_assignee', 'in_progress_requires_assignee', 'blocked_by_unresolved', 'blocker_cycle', 'invalid_assignee', 'invalid_reference', 'run_not_live'],
    example: { title: 'Fix the login page', description: 'The session cookie expires after one minute.', priority: 'high', status: 'todo' },
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A retried request with the same key returns the first result' })
  @ApiCreatedResponse({ type: IssueResponse })
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
  @ApiRoute({ summary: "List a company's issues", description: 'Filter by status, assignee, parent or text; page with `limit` and `cursor` (keyset, from `X-Next-Cursor`) or `offset`.' })
  @ApiOkResponse({
    type: [IssueResponse],
    description: 'Sorted by priority, then most recently updated, then id',
    headers: { 'X-Next-Cursor': { description: 'Pass as `cursor` for the next page; absent on the last page', schema: { type: 'string' } } },
  })
  async list(
    @Param('companyId', ParseUUIDPipe) companyId: string,
    @Query() query: ListIssuesQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<IssueResponse[]> {
    const page = await this.issues.listPage(companyId, query);
    if (page.nextCursor) res.setHeader('X-Next-Cursor', page.nextCursor);
    return page.issues.map((row) => toIssueResponse(row));
  }

  @Get('issues/:id')
  @Access({ board: 'viewer', agent: true })
  @ApiRoute({ summary: 'Get an issue', description: 'The issue by uuid or identifier, with its blockers and children.' })
  @ApiIssueIdParam()
  @ApiOkResponse({ type: IssueResponse })
  async get(@CurrentScope() scope: RequestScope): Promise<IssueResponse> {
    const { issue, relations } = await this.issues.get(scope.issueId as string);
    return toIssueResponse(issue, relations);
  }

  @Patch('issues/:id')
  @OwnershipChecked()
  @ApiRoute({
    summary: 'Update an issue (and comment in the same write)',
    description:
      "Changes fields and optionally posts `comment`, in one transaction. Agents may write only to their own issue; writing to it while it is in_progress needs the agent's run (docs/ownership.md §4).",
    errors: ['not_issue_assignee', 'illegal_transition', 'single_assignee', 'in_progress_requires_assignee', 'blocked_by_unresolved', 'blocker_cycle', 'invalid_assignee', 'invalid_reference'],
    example: { priority: 'high', comment: 'Raising the priority: customers are blocked.' },
  })
  @ApiIssueIdParam()
  @ApiHeader({ name: 'Prefer', required: false, description: '`return=minimal` → only `{id, identifier, updatedAt, changes, comment}`' })
  @ApiOkResponse({ type: PatchIssueResponse, description: 'The issue, plus `changes` ({field: {from, to}}) and the posted `comment` (or null)' })
  async update(
    @CurrentActor() actor: Actor,
    @CurrentScope() scope: RequestScope,
    @Body() dto: UpdateIssueDto,
    @ClearedBefore() cleared: ClearedLocks | null,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PatchIssueResponse | MinimalPatchIssueResponse> {
    const result = await this.updates.update(actor, scope.companyId as string, scope.issueId as string, dto, cleared);
    const comment = result.comment ? toCommentResponse(result.comment) : null;
    if (prefersMinimal(prefer)) {
      res.setHeader('Preference-Applied', 'return=minimal');
      const { id, identifier, updatedAt } = toIssueResponse(result.issue);
      return { id, identifier, updatedAt, changes: result.changes, comment };
    }
    return { ...toIssueResponse(result.issue), changes: result.changes, comment };
  }
}
