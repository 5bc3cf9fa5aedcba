import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { IgnoredCommentFields } from './paperclip-fields';

export class CreateCommentDto extends IgnoredCommentFields {
  @ApiProperty({ example: 'Started on this; the bug is in the session cookie.' }) @IsString() @Length(1, 100_000) body: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Same as the Idempotency-Key header' })
  @IsOptional()
  @IsString()
  idempotencyKey?: string | null;
}

export class ListCommentsQuery {
  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' }) @IsOptional() @IsIn(['asc', 'desc']) order?: 'asc' | 'desc';
  @ApiPropertyOptional({ default: 100, maximum: 500 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional({ format: 'uuid', description: 'Only comments after this one, in the chosen order' }) @IsOptional() @IsUUID() after?: string;
}

export class CommentResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) companyId: string;
  @ApiProperty({ format: 'uuid' }) issueId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) authorAgentId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) authorUserId: string | null;
  @ApiProperty({ enum: ['agent', 'user'] }) authorType: 'agent' | 'user';
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) createdByRunId: string | null;
  @ApiProperty() body: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}
