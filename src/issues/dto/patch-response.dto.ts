import { ApiProperty } from '@nestjs/swagger';
import { CommentResponse } from './comment.dto';
import { IssueResponse } from './issue.dto';

const CHANGES = {
  type: 'object',
  additionalProperties: { type: 'object', properties: { from: {}, to: {} } },
  example: { title: { from: 'Old', to: 'New' } },
  description: 'Each field the PATCH changed, with its value before and after',
} as const;

export class PatchIssueResponse extends IssueResponse {
  @ApiProperty(CHANGES) changes: Record<string, { from: unknown; to: unknown }>;
  @ApiProperty({ type: CommentResponse, nullable: true }) comment: CommentResponse | null;
}

/** The reply to `Prefer: return=minimal` (Paperclip's shape). */
export class MinimalPatchIssueResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ nullable: true, type: String }) identifier: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty(CHANGES) changes: Record<string, { from: unknown; to: unknown }>;
  @ApiProperty({ type: CommentResponse, nullable: true }) comment: CommentResponse | null;
}

/** RFC 7240: `Prefer` is a comma-separated list of preferences; only `return=minimal` changes the reply. */
export function prefersMinimal(prefer: string | undefined): boolean {
  return (prefer ?? '').split(',').some((p) => p.trim().toLowerCase().replace(/\s*=\s*/, '=') === 'return=minimal');
}
