import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Agent } from '../agents/agent.entity';
import { Company } from '../companies/company.entity';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'timed_out'];
export const INVOCATION_SOURCES = ['timer', 'assignment', 'on_demand', 'automation', 'manual'] as const;
export type InvocationSource = (typeof INVOCATION_SOURCES)[number];

/** `issue_id` has no foreign key: a run only points at the issue it was woken for. */
@Entity('heartbeat_runs')
@Check('heartbeat_runs_invocation_source_check', `invocation_source IN ('timer','assignment','on_demand','automation','manual')`)
@Check('heartbeat_runs_status_check', `status IN ('queued','running','succeeded','failed','cancelled','timed_out')`)
// created_at DESC in the migration: TypeORM indexes carry no sort order (see test/database/schema.e2e-spec.ts).
@Index('heartbeat_runs_company_created_idx', ['companyId', 'createdAt'])
@Index('heartbeat_runs_agent_idx', ['agentId', 'createdAt'])
@Index('heartbeat_runs_issue_idx', ['issueId'])
@Index('heartbeat_runs_running_idx', ['status'], { where: `status = 'running'` })
export class HeartbeatRun {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'heartbeat_runs_pkey' }) id: string;
  @Column('uuid', { name: 'company_id' })
  @ForeignKey(() => Company, { name: 'heartbeat_runs_company_id_fkey', onDelete: 'CASCADE' })
  companyId: string;
  @Column('uuid', { name: 'agent_id' })
  @ForeignKey(() => Agent, { name: 'heartbeat_runs_agent_id_fkey', onDelete: 'CASCADE' })
  agentId: string;
  @Column('text', { name: 'invocation_source', default: 'on_demand' }) invocationSource: InvocationSource;
  @Column('text', { name: 'trigger_detail', nullable: true }) triggerDetail: string | null;
  @Column('text', { default: 'queued' }) status: RunStatus;
  @Column('uuid', { name: 'issue_id', nullable: true }) issueId: string | null;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt: Date | null;
  @Column('timestamptz', { name: 'last_heartbeat_at', nullable: true }) lastHeartbeatAt: Date | null;
  @Column('text', { nullable: true }) error: string | null;
  @Column('text', { name: 'error_code', nullable: true }) errorCode: string | null;
  @Column('jsonb', { name: 'context_snapshot', default: {} }) contextSnapshot: Record<string, unknown>;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
