import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { User } from './user.entity';

@Entity('board_api_keys')
@Unique('board_api_keys_key_hash_key', ['keyHash'])
@Index('board_api_keys_user_idx', ['userId'])
export class BoardApiKey {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'board_api_keys_pkey' }) id: string;
  @Column('uuid', { name: 'user_id' })
  @ForeignKey(() => User, { name: 'board_api_keys_user_id_fkey', onDelete: 'CASCADE' })
  userId: string;
  @Column('text') name: string;
  @Column('text', { name: 'key_hash' }) keyHash: string;
  @Column('timestamptz', { name: 'last_used_at', nullable: true }) lastUsedAt: Date | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt: Date | null;
  @Column('timestamptz', { name: 'expires_at', nullable: true }) expiresAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
}
