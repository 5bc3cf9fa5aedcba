import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Company } from '../companies/company.entity';
import { Issue } from './issue.entity';

@Entity('issue_comments')
@Index('issue_comments_issue_created_idx', ['issueId', 'createdAt', 'id'])
export class IssueComment {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'issue_comments_pkey' }) id: string;
  @Column('uuid', { name: 'company_id' })
  @ForeignKey(() => Company, { name: 'issue_comments_company_id_fkey', onDelete: 'CASCADE' })
  companyId: string;
  @Column('uuid', { name: 'issue_id' })
  @ForeignKey(() => Issue, { name: 'issue_comments_issue_id_fkey', onDelete: 'CASCADE' })
  issueId: string;
  @Column('uuid', { name: 'author_agent_id', nullable: true }) authorAgentId: string | null;
  @Column('uuid', { name: 'author_user_id', nullable: true }) authorUserId: string | null;
  @Column('uuid', { name: 'created_by_run_id', nullable: true }) createdByRunId: string | null;
  @Column('text') body: string;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
