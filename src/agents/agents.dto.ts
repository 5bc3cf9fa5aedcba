import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { iso } from '../common/timestamps';
import { OptionalNotNull } from '../common/validation';
import { AGENT_ROLES, AGENT_STATUSES, type Agent, type AgentRole, type AgentStatus } from './agent.entity';

const SETTABLE_STATUSES = ['active', 'paused', 'terminated'] as const;

export class CreateAgentDto {
  @ApiProperty({ example: 'Builder' }) @IsString() @Length(1, 100) name: string;
  @ApiPropertyOptional({ enum: AGENT_ROLES, default: 'general' }) @IsOptional() @IsIn(AGENT_ROLES) role?: AgentRole;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) title?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'The manager agent (same company)' }) @IsOptional() @IsUUID() reportsTo?: string;
  @ApiPropertyOptional({ example: 'process', default: 'process' }) @IsOptional() @IsString() @Length(1, 100) adapterType?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { canManageCheckouts: false } })
  @IsOptional()
  @IsObject()
  permissions?: Record<string, unknown>;
}

export class UpdateAgentDto {
  @ApiPropertyOptional() @OptionalNotNull() @IsString() @Length(1, 100) name?: string;
  @ApiPropertyOptional({ enum: AGENT_ROLES }) @OptionalNotNull() @IsIn(AGENT_ROLES) role?: AgentRole;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(200) title?: string | null;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String }) @IsOptional() @IsUUID() reportsTo?: string | null;
  @ApiPropertyOptional({ enum: SETTABLE_STATUSES }) @OptionalNotNull() @IsIn(SETTABLE_STATUSES) status?: (typeof SETTABLE_STATUSES)[number];
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @OptionalNotNull() @IsObject() permissions?: Record<string, unknown>;
}

export class AgentResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) companyId: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: AGENT_ROLES }) role: string;
  @ApiProperty({ nullable: true, type: String }) title: string | null;
  @ApiProperty({ enum: AGENT_STATUSES }) status: AgentStatus;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) reportsTo: string | null;
  @ApiProperty() adapterType: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) permissions: Record<string, unknown>;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastHeartbeatAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class ChainOfCommandEntry {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: AGENT_ROLES }) role: string;
  @ApiProperty({ nullable: true, type: String }) title: string | null;
}

export class AgentMeResponse extends AgentResponse {
  @ApiProperty({ type: [ChainOfCommandEntry], description: 'The managers (reportsTo chain), nearest first' }) chainOfCommand: ChainOfCommandEntry[];
}

export function toAgentResponse(a: Agent): AgentResponse {
  return {
    id: a.id,
    companyId: a.companyId,
    name: a.name,
    role: a.role,
    title: a.title,
    status: a.status,
    reportsTo: a.reportsTo,
    adapterType: a.adapterType,
    permissions: a.permissions,
    lastHeartbeatAt: iso(a.lastHeartbeatAt),
    createdAt: iso(a.createdAt) as string,
    updatedAt: iso(a.updatedAt) as string,
  };
}
