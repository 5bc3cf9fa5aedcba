import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Company } from '../companies/company.entity';

export const AGENT_STATUSES = ['active', 'paused', 'idle', 'running', 'error', 'pending_approval', 'terminated'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];
export const INVOCABLE_AGENT_STATUSES: readonly AgentStatus[] = ['active', 'idle', 'running', 'error'];
export const AGENT_ROLES = [
  'ceo', 'cto', 'cmo', 'cfo', 'security', 'engineer', 'designer', 'pm', 'qa', 'devops', 'researcher', 'general',
] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export interface AgentPermissions {
  canManageCheckouts?: boolean;
  [key: string]: unknown;
}

@Entity('agents')
@Check('agents_role_check', `role IN ('ceo','cto','cmo','cfo','security','engineer','designer','pm','qa','devops','researcher','general')`)
@Check('agents_status_check', `status IN ('active','paused','idle','running','error','pending_approval','terminated')`)
@Index('agents_company_idx', ['companyId'])
@Index('agents_reports_to_idx', ['reportsTo'])
export class Agent {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'agents_pkey' }) id: string;
  @Column('uuid', { name: 'company_id' })
  @ForeignKey(() => Company, { name: 'agents_company_id_fkey', onDelete: 'CASCADE' })
  companyId: string;
  @Column('text') name: string;
  @Column('text', { default: 'general' }) role: AgentRole;
  @Column('text', { nullable: true }) title: string | null;
  @Column('text', { default: 'active' }) status: AgentStatus;
  @Column('uuid', { name: 'reports_to', nullable: true })
  @ForeignKey(() => Agent, { name: 'agents_reports_to_fkey', onDelete: 'SET NULL' })
  reportsTo: string | null;
  @Column('text', { name: 'adapter_type', default: 'process' }) adapterType: string;
  @Column('jsonb', { name: 'adapter_config', default: {} }) adapterConfig: Record<string, unknown>;
  @Column('jsonb', { name: 'runtime_config', default: {} }) runtimeConfig: Record<string, unknown>;
  @Column('jsonb', { default: {} }) permissions: AgentPermissions;
  @Column('timestamptz', { name: 'last_heartbeat_at', nullable: true }) lastHeartbeatAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
