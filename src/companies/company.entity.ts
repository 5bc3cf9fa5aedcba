import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

export const COMPANY_STATUSES = ['active', 'paused', 'archived'] as const;
export type CompanyStatus = (typeof COMPANY_STATUSES)[number];

@Entity('companies')
@Check('companies_status_check', `status IN ('active','paused','archived')`)
@Unique('companies_issue_prefix_key', ['issuePrefix'])
export class Company {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'companies_pkey' }) id: string;
  @Column('text') name: string;
  @Column('text', { nullable: true }) description: string | null;
  @Column('text', { default: 'active' }) status: CompanyStatus;
  @Column('text', { name: 'issue_prefix' }) issuePrefix: string;
  @Column('integer', { name: 'issue_counter', default: 0 }) issueCounter: number;
  @Column('boolean', { name: 'require_board_approval_for_new_agents', default: false }) requireBoardApprovalForNewAgents: boolean;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
