import { Body, Controller, Get, Headers, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import type { Actor, RequestScope } from '../auth/actor';
import { CurrentActor, CurrentScope } from '../auth/current-actor.decorator';
import { ApiIssueIdParam, ApiRoute } from '../docs/api-route.decorator';
import { CommentsService } from './comments.service';
import { CommentResponse, CreateCommentDto, ListCommentsQuery } from './dto/comment.dto';
import { requestIdempotencyKey } from '../common/idempotency';
import { toCommentResponse } from './issue-response';
import type { ClearedLocks } from '../locks/stale-lock.service';
import { ClearedBefore, OwnershipChecked } from './ownership/ownership-checked.decorator';

@ApiTags('issues')
@ApiIssueIdParam()
@Controller('issues/:id/comments')
export class CommentsController {
  constructor(private readonly comments: CommentsService) {}

  @Get()
  @Access({ board: 'viewer', agent: true })
  @ApiRoute({ summary: "List an issue's comments", description: 'Newest first by default; page with `after` (a comment id) in the chosen `order`.' })
  @ApiOkResponse({ type: [CommentResponse] })
  async list(@CurrentScope() scope: RequestScope, @Query() query: ListCommentsQuery): Promise<CommentResponse[]> {
    return (await this.comments.list(scope.issueId as string, query)).map(toCommentResponse);
  }

  @Post()
  @OwnershipChecked()
  @ApiRoute({
    summary: 'Comment on an issue',
    description: "Posts a comment. Agents may comment only on their own issue; on it while in_progress they need their run (docs/ownership.md §4).",
    errors: ['not_issue_assignee'],
    example: { body: 'Started on this; the bug is in the session cookie.' },
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A retried request with the same key returns the first comment' })
  @ApiCreatedResponse({ type: CommentResponse })
  async create(
    @CurrentActor() actor: Actor,
    @CurrentScope() scope: RequestScope,
    @Body() dto: CreateCommentDto,
    @ClearedBefore() cleared: ClearedLocks | null,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<CommentResponse> {
    const key = requestIdempotencyKey(idempotencyKey, dto.idempotencyKey);
    const comment = await this.comments.create(actor, scope.issueId as string, dto.body, key, cleared);
    return toCommentResponse(comment);
  }

  @Get(':commentId')
  @Access({ board: 'viewer', agent: true })
  @ApiRoute({ summary: 'Get one comment', description: 'One comment of the issue; 404 when it belongs to another issue.', errors: ['not_found'] })
  @ApiParam({ name: 'commentId', format: 'uuid' })
  @ApiOkResponse({ type: CommentResponse, description: 'One comment of the issue (404 when it belongs to another issue)' })
  async get(@CurrentScope() scope: RequestScope, @Param('commentId') commentId: string): Promise<CommentResponse> {
    return toCommentResponse(await this.comments.get(scope.issueId as string, commentId));
  }
}
