import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { iso } from '../common/timestamps';
import type { HeldLockRow } from './lock-view.repository';

export class LocksQuery {
  @ApiPropertyOptional({ description: 'Only locks whose holder run is not live (ended, lease expired, or missing)' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'stale must be true or false' })
  stale?: boolean;
}

export class LockHolderRun {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ nullable: true, type: String, description: 'null: the run row does not exist (the lock is stale)', example: 'running' }) status: string | null;
  @ApiProperty({ description: 'running and within its lease, by the database clock' }) live: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When the lease ends (running runs), by the database clock' }) leaseEndsAt: string | null;
}

export class HeldLockResponse {
  @ApiProperty({ format: 'uuid' }) issueId: string;
  @ApiProperty({ nullable: true, type: String, example: 'PAP-12' }) identifier: string | null;
  @ApiProperty() title: string;
  @ApiProperty({ example: 'in_progress' }) status: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) assigneeAgentId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) assigneeUserId: string | null;
  @ApiProperty({ type: LockHolderRun, nullable: true }) checkoutRun: LockHolderRun | null;
  @ApiProperty({ type: LockHolderRun, nullable: true }) executionRun: LockHolderRun | null;
  @ApiProperty({ nullable: true, type: String }) executionAgentNameKey: string | null;
  @ApiProperty({ format: 'date-time', description: 'execution_locked_at, else started_at' }) lockedSince: string;
  @ApiProperty({ description: 'Seconds since lockedSince, by the database clock' }) lockAgeSeconds: number;
  @ApiProperty({ description: 'A run holding it is not live: force-release (or the next checkout) clears it' }) stale: boolean;
  @ApiProperty({ format: 'date-time', description: "The database's clock when this was read" }) databaseNow: string;
}

function run(id: string | null, status: string | null, live: boolean, leaseEndsAt: Date | null): LockHolderRun | null {
  return id === null ? null : { id, status, live, leaseEndsAt: iso(leaseEndsAt) };
}

export function toHeldLockResponse(row: HeldLockRow): HeldLockResponse {
  return {
    issueId: row.issue_id,
    identifier: row.identifier,
    title: row.title,
    status: row.status,
    assigneeAgentId: row.assignee_agent_id,
    assigneeUserId: row.assignee_user_id,
    checkoutRun: run(row.checkout_run_id, row.checkout_run_status, row.checkout_run_live, row.checkout_lease_ends_at),
    executionRun: run(row.execution_run_id, row.execution_run_status, row.execution_run_live, row.execution_lease_ends_at),
    executionAgentNameKey: row.execution_agent_name_key,
    lockedSince: iso(row.locked_since) as string,
    lockAgeSeconds: row.lock_age_seconds,
    stale: row.stale,
    databaseNow: iso(row.database_now) as string,
  };
}
