import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import { Company } from './company.entity';

export const MEMBERSHIP_ROLES = ['owner', 'admin', 'operator', 'viewer'] as const;
export type MembershipRole = (typeof MEMBERSHIP_ROLES)[number];
export const MEMBERSHIP_STATUSES = ['active', 'suspended'] as const;
export type MembershipStatus = (typeof MEMBERSHIP_STATUSES)[number];

@Entity('company_memberships')
@Check('company_memberships_principal_type_check', `principal_type IN ('user','agent')`)
@Check('company_memberships_membership_role_check', `membership_role IN ('owner','admin','operator','viewer')`)
@Check('company_memberships_status_check', `status IN ('active','suspended')`)
@Unique('company_memberships_company_id_principal_type_principal_id_key', ['companyId', 'principalType', 'principalId'])
@Index('company_memberships_principal_idx', ['principalType', 'principalId'])
export class CompanyMembership {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'company_memberships_pkey' }) id: string;
  @Column('uuid', { name: 'company_id' })
  @ForeignKey(() => Company, { name: 'company_memberships_company_id_fkey', onDelete: 'CASCADE' })
  companyId: string;
  @Column('text', { name: 'principal_type' }) principalType: 'user' | 'agent';
  @Column('uuid', { name: 'principal_id' }) principalId: string;
  @Column('text', { name: 'membership_role' }) membershipRole: MembershipRole;
  @Column('text', { default: 'active' }) status: MembershipStatus;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
