import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import { Agent } from '../agents/agent.entity';
import { Company } from '../companies/company.entity';
import { User } from '../users/user.entity';

export const ISSUE_STATUSES = ['backlog', 'todo', 'in_progress', 'in_review', 'blocked', 'done', 'cancelled'] as const;
export type IssueStatus = (typeof ISSUE_STATUSES)[number];
export const ISSUE_PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export type IssuePriority = (typeof ISSUE_PRIORITIES)[number];

/**
 * checkout_run_id / execution_run_id carry no foreign key: a lock may name a run that is gone (ownership.md §6).
 * project_id / goal_id carry none either: Clasp only keeps the ids an agent sent.
 */
@Entity('issues')
@Check('issues_status_check', `status IN ('backlog','todo','in_progress','in_review','blocked','done','cancelled')`)
@Check('issues_priority_check', `priority IN ('critical','high','medium','low')`)
@Check('issues_single_assignee', 'assignee_agent_id IS NULL OR assignee_user_id IS NULL')
@Check('issues_request_depth_nonnegative', 'request_depth >= 0')
@Check(
  'issues_locks_only_in_progress',
  `status = 'in_progress' OR (checkout_run_id IS NULL AND execution_run_id IS NULL AND execution_agent_name_key IS NULL AND execution_locked_at IS NULL)`,
)
@Check('issues_execution_lock_whole', 'num_nulls(execution_run_id, execution_agent_name_key, execution_locked_at) IN (0, 3)')
@Unique('issues_identifier_key', ['identifier'])
@Index('issues_parent_idx', ['parentId'])
@Index('issues_execution_run_idx', ['executionRunId'], { where: 'execution_run_id IS NOT NULL' })
@Index('issues_checkout_run_idx', ['checkoutRunId'], { where: 'checkout_run_id IS NOT NULL' })
// An expression index, ON issues (lower(identifier)): TypeORM cannot describe one, so it is named here and left to the migration.
@Index('issues_identifier_lower_idx', { synchronize: false })
// The list order (priority rank, updated_at DESC, id) per filter, and pg_trgm GIN indexes for `q`: expression and
// operator-class indexes, left to migrations/1796185352768-IssueListIndexes.ts.
@Index('issues_company_order_idx', { synchronize: false })
@Index('issues_company_status_order_idx', { synchronize: false })
@Index('issues_company_assignee_order_idx', { synchronize: false })
@Index('issues_title_trgm_idx', { synchronize: false })
@Index('issues_identifier_trgm_idx', { synchronize: false })
@Index('issues_description_trgm_idx', { synchronize: false })
export class Issue {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'issues_pkey' }) id: string;
  @Column('uuid', { name: 'company_id' })
  @ForeignKey(() => Company, { name: 'issues_company_id_fkey', onDelete: 'CASCADE' })
  companyId: string;
  @Column('uuid', { name: 'parent_id', nullable: true })
  @ForeignKey(() => Issue, { name: 'issues_parent_id_fkey', onDelete: 'SET NULL' })
  parentId: string | null;
  @Column('text') title: string;
  @Column('text', { nullable: true }) description: string | null;
  @Column('text', { default: 'backlog' }) status: IssueStatus;
  @Column('text', { default: 'medium' }) priority: IssuePriority;
  @Column('uuid', { name: 'assignee_agent_id', nullable: true })
  @ForeignKey(() => Agent, { name: 'issues_assignee_agent_id_fkey', onDelete: 'SET NULL' })
  assigneeAgentId: string | null;
  @Column('uuid', { name: 'assignee_user_id', nullable: true })
  @ForeignKey(() => User, { name: 'issues_assignee_user_id_fkey', onDelete: 'SET NULL' })
  assigneeUserId: string | null;
  @Column('uuid', { name: 'checkout_run_id', nullable: true }) checkoutRunId: string | null;
  @Column('uuid', { name: 'execution_run_id', nullable: true }) executionRunId: string | null;
  @Column('text', { name: 'execution_agent_name_key', nullable: true }) executionAgentNameKey: string | null;
  @Column('timestamptz', { name: 'execution_locked_at', nullable: true }) executionLockedAt: Date | null;
  @Column('uuid', { name: 'created_by_agent_id', nullable: true }) createdByAgentId: string | null;
  @Column('uuid', { name: 'created_by_user_id', nullable: true }) createdByUserId: string | null;
  @Column('integer', { name: 'issue_number', nullable: true }) issueNumber: number | null;
  @Column('text', { nullable: true }) identifier: string | null;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt: Date | null;
  @Column('timestamptz', { name: 'completed_at', nullable: true }) completedAt: Date | null;
  @Column('timestamptz', { name: 'cancelled_at', nullable: true }) cancelledAt: Date | null;
  @Column('timestamptz', { name: 'hidden_at', nullable: true }) hiddenAt: Date | null;
  @Column('text', { name: 'billing_code', nullable: true }) billingCode: string | null;
  @Column('integer', { name: 'request_depth', nullable: true }) requestDepth: number | null;
  @Column('text', { name: 'work_mode', nullable: true }) workMode: string | null;
  @Column('uuid', { name: 'project_id', nullable: true }) projectId: string | null;
  @Column('uuid', { name: 'goal_id', nullable: true }) goalId: string | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
