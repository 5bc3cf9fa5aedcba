import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * A claimed Idempotency-Key (idempotency.ts): replays of a client's retried create return the first
 * result. Written and read with plain SQL; the entity only describes the table (test/database/schema.e2e-spec.ts).
 */
@Entity('idempotency_keys')
@Unique('idempotency_keys_actor_type_actor_id_scope_key_key', ['actorType', 'actorId', 'scope', 'key'])
export class IdempotencyKey {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'idempotency_keys_pkey' }) id: string;
  @Column('text', { name: 'actor_type' }) actorType: 'agent' | 'user';
  @Column('uuid', { name: 'actor_id' }) actorId: string;
  @Column('text') scope: string;
  @Column('text') key: string;
  @Column('uuid', { name: 'resource_id' }) resourceId: string;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
}
