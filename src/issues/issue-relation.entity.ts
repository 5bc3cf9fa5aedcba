import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import { Company } from '../companies/company.entity';
import { Issue } from './issue.entity';

/** `issueId` blocks `relatedIssueId`. */
@Entity('issue_relations')
@Check('issue_relations_type_check', `type IN ('blocks')`)
@Check('issue_relations_not_self', 'issue_id <> related_issue_id')
@Unique('issue_relations_issue_id_related_issue_id_type_key', ['issueId', 'relatedIssueId', 'type'])
@Index('issue_relations_related_idx', ['relatedIssueId'])
export class IssueRelation {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'issue_relations_pkey' }) id: string;
  @Column('uuid', { name: 'company_id' })
  @ForeignKey(() => Company, { name: 'issue_relations_company_id_fkey', onDelete: 'CASCADE' })
  companyId: string;
  @Column('uuid', { name: 'issue_id' })
  @ForeignKey(() => Issue, { name: 'issue_relations_issue_id_fkey', onDelete: 'CASCADE' })
  issueId: string;
  @Column('uuid', { name: 'related_issue_id' })
  @ForeignKey(() => Issue, { name: 'issue_relations_related_issue_id_fkey', onDelete: 'CASCADE' })
  relatedIssueId: string;
  @Column('text', { default: 'blocks' }) type: 'blocks';
  @Column('uuid', { name: 'created_by_agent_id', nullable: true }) createdByAgentId: string | null;
  @Column('uuid', { name: 'created_by_user_id', nullable: true }) createdByUserId: string | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
