import { ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsIn, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { DomainError } from '../common/domain-error';
import { OptionalNotNull } from '../common/validation';
import { UUID_PATTERN } from '../auth/scope-resolver.service';
import { INVOCATION_SOURCES, type InvocationSource } from './heartbeat-run.entity';
import type { InvokeRunDto } from './runs.dto';

const NoNul = () => Matches(/^[^\u0000]*$/, { message: '$property must not contain NUL (U+0000) characters' });

/** Paperclip's wakeup body (`wakeAgentSchema`); mapped onto invoke by `toInvokeDto`. */
export class WakeupDto {
  @ApiPropertyOptional({ enum: INVOCATION_SOURCES, default: 'on_demand' }) @OptionalNotNull() @IsIn(INVOCATION_SOURCES) source?: InvocationSource;
  @ApiPropertyOptional({ example: 'manual' }) @OptionalNotNull() @IsString() @MaxLength(1000) @NoNul() triggerDetail?: string;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(2000) @NoNul() reason?: string | null;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { issueId: '00000000-0000-4000-8000-000000000000' },
    description: '`issueId` becomes the run’s issue; other keys are accepted and ignored',
  })
  @IsOptional()
  @IsObject()
  payload?: Record<string, unknown> | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Same as the Idempotency-Key header' })
  @IsOptional()
  @IsString()
  idempotencyKey?: string | null;
  @ApiPropertyOptional({ description: 'Paperclip field, accepted and ignored (Clasp keeps no adapter sessions)' }) @Allow() forceFreshSession?: unknown;
}

export function toInvokeDto(dto: WakeupDto): InvokeRunDto {
  const issueId = dto.payload?.issueId;
  if (issueId !== undefined && issueId !== null && (typeof issueId !== 'string' || !UUID_PATTERN.test(issueId))) {
    throw new DomainError('validation_failed', 'payload.issueId must be a UUID', { problems: [{ field: 'payload.issueId', problems: ['must be a UUID'] }] });
  }
  return {
    invocationSource: dto.source,
    triggerDetail: dto.triggerDetail,
    issueId: issueId ?? undefined,
    reason: dto.reason ?? undefined,
  };
}
