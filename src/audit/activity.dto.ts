import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { iso } from '../common/timestamps';

export class ActivityQuery {
  @ApiPropertyOptional({ example: 'issue.checked_out' }) @IsOptional() @Matches(/^[a-z_]+\.[a-z_]+$/, { message: 'action must look like issue.checked_out' }) action?: string;
  @ApiPropertyOptional({ example: 'issue' }) @IsOptional() @IsString() @MaxLength(50) entityType?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) entityId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() agentId?: string;
  @ApiPropertyOptional({ default: 100, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @ApiPropertyOptional({ format: 'uuid', description: 'Cursor: only rows older than this activity row' }) @IsOptional() @IsUUID() before?: string;
}

export class IssueActivityQuery {
  @ApiPropertyOptional({ default: 100, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @ApiPropertyOptional({ format: 'uuid', description: 'Cursor: only rows older than this activity row' }) @IsOptional() @IsUUID() before?: string;
}

export class ActivityResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) companyId: string | null;
  @ApiProperty({ enum: ['agent', 'user', 'system'] }) actorType: string;
  @ApiProperty() actorId: string;
  @ApiProperty({ example: 'issue.checked_out' }) action: string;
  @ApiProperty({ example: 'issue' }) entityType: string;
  @ApiProperty() entityId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) agentId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) runId: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export interface ActivityRow {
  id: string;
  company_id: string | null;
  actor_type: string;
  actor_id: string;
  action: string;
  entity_type: string;
  entity_id: string;
  agent_id: string | null;
  run_id: string | null;
  details: Record<string, unknown>;
  created_at: Date;
}

export function toActivityResponse(row: ActivityRow): ActivityResponse {
  return {
    id: row.id,
    companyId: row.company_id,
    actorType: row.actor_type,
    actorId: row.actor_id,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    agentId: row.agent_id,
    runId: row.run_id,
    details: row.details,
    createdAt: iso(row.created_at) as string,
  };
}
