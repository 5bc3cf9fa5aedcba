import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { iso } from '../common/timestamps';
import { INVOCATION_SOURCES, RUN_STATUSES, type InvocationSource, type RunStatus } from './heartbeat-run.entity';
import type { RunRow } from './run-rows';

export const FINISH_STATUSES = ['succeeded', 'failed', 'timed_out', 'cancelled'] as const;
export type FinishStatus = (typeof FINISH_STATUSES)[number];

/** PostgreSQL text and jsonb cannot hold U+0000; refuse it here (400) rather than fail in the database. */
const NoNulCharacters = () => Matches(/^[^\u0000]*$/, { message: '$property must not contain NUL (U+0000) characters' });

export const DEFAULT_RUN_LIST_LIMIT = 50;
export const MAX_RUN_LIST_LIMIT = 500;

export class InvokeRunDto {
  @ApiPropertyOptional({ enum: INVOCATION_SOURCES, default: 'on_demand' })
  @IsOptional()
  @IsIn(INVOCATION_SOURCES)
  invocationSource?: InvocationSource;

  @ApiPropertyOptional({ example: 'issue PAP-12 assigned', description: 'Free text: what woke the agent' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  @NoNulCharacters()
  triggerDetail?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The issue (of the same company) the run is woken for' })
  @IsOptional()
  @IsUUID()
  issueId?: string;

  @ApiPropertyOptional({ example: 'manual wake-up', description: 'Kept in the run context and the audit row' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @NoNulCharacters()
  reason?: string;
}

export class FinishRunDto {
  @ApiProperty({ enum: FINISH_STATUSES, description: 'A queued (never started) run may only be finished as `cancelled` or `failed`' })
  @IsIn(FINISH_STATUSES)
  status: FinishStatus;

  @ApiPropertyOptional({ example: 'adapter crashed' }) @IsOptional() @IsString() @MaxLength(10000) @NoNulCharacters() error?: string;
  @ApiPropertyOptional({ example: 'adapter_failed' }) @IsOptional() @IsString() @MaxLength(200) @NoNulCharacters() errorCode?: string;
}

export class ListRunsQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() agentId?: string;

  @ApiPropertyOptional({ description: 'One status or a comma-separated list', example: 'queued,running' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value))
  @IsArray()
  @ArrayMaxSize(RUN_STATUSES.length)
  @IsIn(RUN_STATUSES, { each: true })
  status?: RunStatus[];

  @ApiPropertyOptional({ default: DEFAULT_RUN_LIST_LIMIT, minimum: 1, maximum: MAX_RUN_LIST_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_RUN_LIST_LIMIT)
  limit?: number;
}

export class RunResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) companyId: string;
  @ApiProperty({ format: 'uuid' }) agentId: string;
  @ApiProperty({ enum: RUN_STATUSES }) status: RunStatus;
  @ApiProperty({ enum: INVOCATION_SOURCES }) invocationSource: InvocationSource;
  @ApiProperty({ nullable: true, type: String }) triggerDetail: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) issueId: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) startedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finishedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastHeartbeatAt: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'Running runs only: last heartbeat (or start) + RUN_LEASE_SECONDS, by the database clock',
  })
  leaseExpiresAt: string | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ nullable: true, type: String }) errorCode: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class StartedRunResponse {
  @ApiProperty({ type: RunResponse }) run: RunResponse;
  @ApiProperty({ description: 'Run JWT (claims sub, company_id, run_id, adapter_type) for the agent to use during this run' })
  token: string;
  @ApiProperty({ format: 'date-time' }) leaseExpiresAt: string;
}

export class HeartbeatResponse {
  @ApiProperty({ type: RunResponse }) run: RunResponse;
  @ApiProperty({ format: 'date-time' }) leaseExpiresAt: string;
}

export function toRunResponse(r: RunRow): RunResponse {
  return {
    id: r.id,
    companyId: r.company_id,
    agentId: r.agent_id,
    status: r.status,
    invocationSource: r.invocation_source,
    triggerDetail: r.trigger_detail,
    issueId: r.issue_id,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    lastHeartbeatAt: iso(r.last_heartbeat_at),
    leaseExpiresAt: iso(r.lease_expires_at),
    error: r.error,
    errorCode: r.error_code,
    createdAt: iso(r.created_at) as string,
    updatedAt: iso(r.updated_at) as string,
  };
}
