import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

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
export class Agent {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'company_id' }) companyId: string;
  @Column('text') name: string;
  @Column('text') role: AgentRole;
  @Column('text', { nullable: true }) title: string | null;
  @Column('text') status: AgentStatus;
  @Column('uuid', { name: 'reports_to', nullable: true }) reportsTo: string | null;
  @Column('text', { name: 'adapter_type' }) adapterType: string;
  @Column('jsonb', { name: 'adapter_config' }) adapterConfig: Record<string, unknown>;
  @Column('jsonb', { name: 'runtime_config' }) runtimeConfig: Record<string, unknown>;
  @Column('jsonb') permissions: AgentPermissions;
  @Column('timestamptz', { name: 'last_heartbeat_at', nullable: true }) lastHeartbeatAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
