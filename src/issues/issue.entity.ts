import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const ISSUE_STATUSES = ['backlog', 'todo', 'in_progress', 'in_review', 'blocked', 'done', 'cancelled'] as const;
export type IssueStatus = (typeof ISSUE_STATUSES)[number];
export const ISSUE_PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export type IssuePriority = (typeof ISSUE_PRIORITIES)[number];

@Entity('issues')
export class Issue {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'company_id' }) companyId: string;
  @Column('uuid', { name: 'parent_id', nullable: true }) parentId: string | null;
  @Column('text') title: string;
  @Column('text', { nullable: true }) description: string | null;
  @Column('text') status: IssueStatus;
  @Column('text') priority: IssuePriority;
  @Column('uuid', { name: 'assignee_agent_id', nullable: true }) assigneeAgentId: string | null;
  @Column('uuid', { name: 'assignee_user_id', nullable: true }) assigneeUserId: string | null;
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
