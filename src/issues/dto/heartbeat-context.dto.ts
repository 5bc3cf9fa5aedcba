import { ApiProperty } from '@nestjs/swagger';
import { ISSUE_PRIORITIES, ISSUE_STATUSES } from '../issue.entity';

/** Another issue as the heartbeat context names it (an ancestor, a blocker, a blocked issue). */
export class IssueSummary {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ nullable: true, type: String }) identifier: string | null;
  @ApiProperty() title: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ enum: ISSUE_STATUSES }) status: string;
  @ApiProperty({ enum: ISSUE_PRIORITIES }) priority: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) assigneeAgentId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) assigneeUserId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) projectId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) goalId: string | null;
}

export class ContextIssue {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ nullable: true, type: String }) identifier: string | null;
  @ApiProperty() title: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ enum: ISSUE_STATUSES }) status: string;
  @ApiProperty({ nullable: true, type: String }) workMode: string | null;
  @ApiProperty({ enum: ISSUE_PRIORITIES }) priority: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) projectId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) goalId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) parentId: string | null;
  @ApiProperty({ type: [IssueSummary], description: 'Issues that block this one' }) blockedBy: IssueSummary[];
  @ApiProperty({ type: [IssueSummary], description: 'Issues this one blocks' }) blocks: IssueSummary[];
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) assigneeAgentId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) assigneeUserId: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class CommentCursor {
  @ApiProperty() totalComments: number;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) latestCommentId: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) latestCommentAt: string | null;
}

/** The caller's own run, when the request names one (run JWT or X-Paperclip-Run-Id). */
export class ContextRun {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() status: string;
  @ApiProperty() invocationSource: string;
  @ApiProperty({ nullable: true, type: String }) triggerDetail: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) issueId: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) startedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) leaseExpiresAt: string | null;
}

export class HeartbeatContextResponse {
  @ApiProperty({ type: ContextIssue }) issue: ContextIssue;
  @ApiProperty({ type: [IssueSummary], description: 'Parent first, then its parent, up to the root' }) ancestors: IssueSummary[];
  @ApiProperty({ type: CommentCursor }) commentCursor: CommentCursor;
  @ApiProperty({ nullable: true, type: Object, description: 'Always null: Clasp runs are not woken by comments' }) wakeComment: null;
  @ApiProperty({ type: ContextRun, nullable: true }) run: ContextRun | null;
}
