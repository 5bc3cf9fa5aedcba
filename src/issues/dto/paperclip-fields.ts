import { ApiPropertyOptional } from '@nestjs/swagger';
import { Allow } from 'class-validator';

/**
 * Fields Paperclip's own schemas accept that belong to subsystems Clasp has not got (projects'
 * workspaces, execution policies, labels, interactions, attachments, plans). They are accepted so
 * an unchanged Paperclip agent or CLI is not refused, and ignored: nothing reads or stores them
 * (docs/compatibility.md). Any other unknown field is still a 400.
 */
const IGNORED = { description: 'Paperclip field, accepted and ignored (docs/compatibility.md)' };

export class IgnoredCreateIssueFields {
  @ApiPropertyOptional(IGNORED) @Allow() projectWorkspaceId?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() teamId?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() inheritExecutionWorkspaceFromIssueId?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() estimate?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() assigneeAdapterOverrides?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() executionPolicy?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() executionWorkspaceId?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() executionWorkspacePreference?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() executionWorkspaceSettings?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() labelIds?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() allowDuplicate?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() unblockDescriptor?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() initialPlan?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() reviewInteractionId?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() attachmentIds?: unknown;
}

export class IgnoredUpdateIssueFields extends IgnoredCreateIssueFields {
  @ApiPropertyOptional(IGNORED) @Allow() reopen?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() interrupt?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() resume?: unknown;
}

export class IgnoredCommentFields {
  @ApiPropertyOptional(IGNORED) @Allow() reopen?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() interrupt?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() resume?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() attachmentIds?: unknown;
  @ApiPropertyOptional(IGNORED) @Allow() clientRequestId?: unknown;
}
