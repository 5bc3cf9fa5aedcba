import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, Max, MaxLength, Min,
} from 'class-validator';
import { OptionalNotNull } from '../../common/validation';
import { ISSUE_PRIORITIES, ISSUE_STATUSES, type IssuePriority, type IssueStatus } from '../issue.entity';
import { IgnoredCreateIssueFields, IgnoredUpdateIssueFields } from './paperclip-fields';

/** PostgreSQL text cannot hold U+0000; refuse it here (400) rather than fail in the database. */
const NoNul = () => Matches(/^[^\u0000]*$/, { message: '$property must not contain NUL (U+0000) characters' });

export class CreateIssueDto extends IgnoredCreateIssueFields {
  @ApiProperty({ example: 'Fix the login page' }) @IsString() @Length(1, 500) title: string;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(100_000) description?: string | null;
  @ApiPropertyOptional({ enum: ISSUE_STATUSES, default: 'backlog' }) @OptionalNotNull() @IsIn(ISSUE_STATUSES) status?: IssueStatus;
  @ApiPropertyOptional({ enum: ISSUE_PRIORITIES, default: 'medium' }) @OptionalNotNull() @IsIn(ISSUE_PRIORITIES) priority?: IssuePriority;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String }) @IsOptional() @IsUUID() parentId?: string | null;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String }) @IsOptional() @IsUUID() assigneeAgentId?: string | null;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String }) @IsOptional() @IsUUID() assigneeUserId?: string | null;
  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Issues that block this one' })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  blockedByIssueIds?: string[];
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String, description: 'Stored and returned (Clasp has no projects)' })
  @IsOptional()
  @IsUUID()
  projectId?: string | null;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String, description: 'Stored and returned (Clasp has no goals)' })
  @IsOptional()
  @IsUUID()
  goalId?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'ENG-7' }) @IsOptional() @IsString() @MaxLength(200) @NoNul() billingCode?: string | null;
  @ApiPropertyOptional({ minimum: 0, default: 0 }) @OptionalNotNull() @IsInt() @Min(0) @Max(1_000_000) requestDepth?: number;
  @ApiPropertyOptional({ example: 'standard', default: 'standard' }) @OptionalNotNull() @IsString() @Length(1, 100) @NoNul() workMode?: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Same as the Idempotency-Key header' })
  @IsOptional()
  @IsString()
  idempotencyKey?: string | null;
}

export class UpdateIssueDto extends IgnoredUpdateIssueFields {
  @ApiPropertyOptional() @OptionalNotNull() @IsString() @Length(1, 500) title?: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'null clears it' }) @IsOptional() @IsString() @MaxLength(100_000) description?: string | null;
  @ApiPropertyOptional({ enum: ISSUE_STATUSES }) @OptionalNotNull() @IsIn(ISSUE_STATUSES) status?: IssueStatus;
  @ApiPropertyOptional({ enum: ISSUE_PRIORITIES }) @OptionalNotNull() @IsIn(ISSUE_PRIORITIES) priority?: IssuePriority;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String }) @IsOptional() @IsUUID() assigneeAgentId?: string | null;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String }) @IsOptional() @IsUUID() assigneeUserId?: string | null;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String }) @IsOptional() @IsUUID() parentId?: string | null;
  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Replaces the set of issues that block this one' })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  blockedByIssueIds?: string[];
  @ApiPropertyOptional({ description: 'A comment posted in the same transaction' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 100_000)
  comment?: string;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String }) @IsOptional() @IsUUID() projectId?: string | null;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String }) @IsOptional() @IsUUID() goalId?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(200) @NoNul() billingCode?: string | null;
  @ApiPropertyOptional({ minimum: 0 }) @OptionalNotNull() @IsInt() @Min(0) @Max(1_000_000) requestDepth?: number;
  @ApiPropertyOptional({ example: 'standard' }) @OptionalNotNull() @IsString() @Length(1, 100) @NoNul() workMode?: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String, description: 'Hides the issue from lists; null shows it again' })
  @IsOptional()
  @IsISO8601({ strict: true })
  hiddenAt?: string | null;
}

export class CheckoutDto {
  @ApiProperty({ format: 'uuid', description: 'The agent taking the issue (must be the caller, unless a board user checks out on its behalf)' })
  @IsUUID()
  agentId: string;
  @ApiProperty({ enum: ISSUE_STATUSES, isArray: true, example: ['todo', 'backlog', 'blocked'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(7)
  @IsIn(ISSUE_STATUSES, { each: true })
  expectedStatuses: IssueStatus[];
}

const toList = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value;

export class ListIssuesQuery {
  @ApiPropertyOptional({ description: 'Comma-separated statuses', example: 'todo,in_progress' })
  @IsOptional()
  @Transform(toList)
  @IsIn(ISSUE_STATUSES, { each: true })
  status?: IssueStatus[];
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() assigneeAgentId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() parentId?: string;
  @ApiPropertyOptional({ description: 'Search in title, identifier and description' }) @IsOptional() @IsString() @MaxLength(200) q?: string;
  @ApiPropertyOptional({ default: 100, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @ApiPropertyOptional({ default: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(1_000_000) offset?: number;
  @ApiPropertyOptional({ description: 'Keyset paging: the X-Next-Cursor header of the previous page (offset, if also given, counts from there)' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

export class ForceReleaseQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Also clear the agent assignee' })
  @IsOptional()
  @IsIn(['true', 'false'])
  clearAssignee?: 'true' | 'false';
}

export class IssueResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) companyId: string;
  @ApiProperty({ example: 'PAP-12', nullable: true, type: String }) identifier: string | null;
  @ApiProperty({ nullable: true, type: Number }) issueNumber: number | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) parentId: string | null;
  @ApiProperty() title: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ enum: ISSUE_STATUSES }) status: string;
  @ApiProperty({ enum: ISSUE_PRIORITIES }) priority: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) assigneeAgentId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) assigneeUserId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) checkoutRunId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) executionRunId: string | null;
  @ApiProperty({ nullable: true, type: String }) executionAgentNameKey: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) executionLockedAt: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) createdByAgentId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) createdByUserId: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) startedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) cancelledAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) hiddenAt: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) projectId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) goalId: string | null;
  @ApiProperty({ nullable: true, type: String }) billingCode: string | null;
  @ApiProperty({ nullable: true, type: Number }) requestDepth: number | null;
  @ApiProperty({ nullable: true, type: String }) workMode: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'On single-issue reads' }) blockedByIssueIds?: string[];
  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'On single-issue reads' }) blocksIssueIds?: string[];
}

export class ForceReleaseResponse {
  @ApiProperty({ type: IssueResponse }) issue: IssueResponse;
  @ApiProperty({ example: { checkoutRunId: null, executionRunId: null, cancelledRunIds: [] }, description: 'The locks as they stood, and the holder runs that were still live and are now cancelled' })
  previous: { checkoutRunId: string | null; executionRunId: string | null; cancelledRunIds: string[] };
}
