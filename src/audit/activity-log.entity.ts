import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type ActorType = 'agent' | 'user' | 'system';

/** No foreign keys: writing an audit row never locks an operational row. */
@Entity('activity_log')
@Check('activity_log_actor_type_check', `actor_type IN ('agent','user','system')`)
// created_at DESC, id DESC in the migration: TypeORM indexes carry no sort order (see test/database/schema.e2e-spec.ts).
@Index('activity_log_company_created_idx', ['companyId', 'createdAt', 'id'])
@Index('activity_log_entity_idx', ['entityType', 'entityId', 'createdAt'])
@Index('activity_log_action_idx', ['action'])
@Index('activity_log_company_seq_idx', ['companyId', 'seq'])
export class ActivityLog {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'activity_log_pkey' }) id: string;
  @Column('uuid', { name: 'company_id', nullable: true }) companyId: string | null;
  @Column('text', { name: 'actor_type' }) actorType: ActorType;
  @Column('text', { name: 'actor_id' }) actorId: string;
  @Column('text') action: string;
  @Column('text', { name: 'entity_type' }) entityType: string;
  @Column('text', { name: 'entity_id' }) entityId: string;
  @Column('uuid', { name: 'agent_id', nullable: true }) agentId: string | null;
  @Column('uuid', { name: 'run_id', nullable: true }) runId: string | null;
  @Column('jsonb', { default: {} }) details: Record<string, unknown>;
  /** The event stream's cursor: set by the activity_log_sequence_and_notify trigger (migration 1796200000000), never by the application. */
  @Column('bigint', { select: false }) seq: string;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at', default: () => 'clock_timestamp()' }) createdAt: Date;
}
