import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID, Matches } from 'class-validator';

/** An event id: activity_log.seq as decimal digits. */
export const EVENT_ID = /^\d{1,18}$/;

export class EventsQuery {
  @ApiPropertyOptional({ example: '1042', description: 'Replay every event after this id (the `Last-Event-ID` header wins when both are sent)' })
  @IsOptional()
  @Matches(EVENT_ID, { message: 'after must be an event id (digits)' })
  after?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only events about this issue' })
  @IsOptional()
  @IsUUID()
  issueId?: string;

  @ApiPropertyOptional({ example: 'issue.checked_out' })
  @IsOptional()
  @Matches(/^[a-z_]+\.[a-z_]+$/, { message: 'action must look like issue.checked_out' })
  action?: string;
}
