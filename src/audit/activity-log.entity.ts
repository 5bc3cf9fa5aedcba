import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ActorType = 'agent' | 'user' | 'system';

@Entity('activity_log')
export class ActivityLog {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'company_id', nullable: true }) companyId: string | null;
  @Column('text', { name: 'actor_type' }) actorType: ActorType;
  @Column('text', { name: 'actor_id' }) actorId: string;
  @Column('text') action: string;
  @Column('text', { name: 'entity_type' }) entityType: string;
  @Column('text', { name: 'entity_id' }) entityId: string;
  @Column('uuid', { name: 'agent_id', nullable: true }) agentId: string | null;
  @Column('uuid', { name: 'run_id', nullable: true }) runId: string | null;
  @Column('jsonb') details: Record<string, unknown>;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
}
