import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const COMPANY_STATUSES = ['active', 'paused', 'archived'] as const;
export type CompanyStatus = (typeof COMPANY_STATUSES)[number];

@Entity('companies')
export class Company {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') name: string;
  @Column('text', { nullable: true }) description: string | null;
  @Column('text') status: CompanyStatus;
  @Column('text', { name: 'issue_prefix' }) issuePrefix: string;
  @Column('integer', { name: 'issue_counter' }) issueCounter: number;
  @Column('boolean', { name: 'require_board_approval_for_new_agents' }) requireBoardApprovalForNewAgents: boolean;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
