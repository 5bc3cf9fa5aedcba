import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Company } from '../companies/company.entity';
import { Agent } from './agent.entity';

@Entity('agent_api_keys')
@Unique('agent_api_keys_key_hash_key', ['keyHash'])
@Index('agent_api_keys_agent_idx', ['agentId'])
export class AgentApiKey {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'agent_api_keys_pkey' }) id: string;
  @Column('uuid', { name: 'agent_id' })
  @ForeignKey(() => Agent, { name: 'agent_api_keys_agent_id_fkey', onDelete: 'CASCADE' })
  agentId: string;
  @Column('uuid', { name: 'company_id' })
  @ForeignKey(() => Company, { name: 'agent_api_keys_company_id_fkey', onDelete: 'CASCADE' })
  companyId: string;
  @Column('text') name: string;
  @Column('text', { name: 'key_hash' }) keyHash: string;
  @Column('timestamptz', { name: 'last_used_at', nullable: true }) lastUsedAt: Date | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
}
