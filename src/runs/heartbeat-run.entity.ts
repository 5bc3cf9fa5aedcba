import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'timed_out'];
export const INVOCATION_SOURCES = ['timer', 'assignment', 'on_demand', 'automation', 'manual'] as const;
export type InvocationSource = (typeof INVOCATION_SOURCES)[number];

@Entity('heartbeat_runs')
export class HeartbeatRun {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'company_id' }) companyId: string;
  @Column('uuid', { name: 'agent_id' }) agentId: string;
  @Column('text', { name: 'invocation_source' }) invocationSource: InvocationSource;
  @Column('text', { name: 'trigger_detail', nullable: true }) triggerDetail: string | null;
  @Column('text') status: RunStatus;
  @Column('uuid', { name: 'issue_id', nullable: true }) issueId: string | null;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt: Date | null;
  @Column('timestamptz', { name: 'last_heartbeat_at', nullable: true }) lastHeartbeatAt: Date | null;
  @Column('text', { nullable: true }) error: string | null;
  @Column('text', { name: 'error_code', nullable: true }) errorCode: string | null;
  @Column('jsonb', { name: 'context_snapshot' }) contextSnapshot: Record<string, unknown>;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
