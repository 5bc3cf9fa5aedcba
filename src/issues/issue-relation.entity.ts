import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** `issueId` blocks `relatedIssueId`. */
@Entity('issue_relations')
export class IssueRelation {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'company_id' }) companyId: string;
  @Column('uuid', { name: 'issue_id' }) issueId: string;
  @Column('uuid', { name: 'related_issue_id' }) relatedIssueId: string;
  @Column('text') type: 'blocks';
  @Column('uuid', { name: 'created_by_agent_id', nullable: true }) createdByAgentId: string | null;
  @Column('uuid', { name: 'created_by_user_id', nullable: true }) createdByUserId: string | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
