import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('issue_comments')
export class IssueComment {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'company_id' }) companyId: string;
  @Column('uuid', { name: 'issue_id' }) issueId: string;
  @Column('uuid', { name: 'author_agent_id', nullable: true }) authorAgentId: string | null;
  @Column('uuid', { name: 'author_user_id', nullable: true }) authorUserId: string | null;
  @Column('uuid', { name: 'created_by_run_id', nullable: true }) createdByRunId: string | null;
  @Column('text') body: string;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
