import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { iso } from '../common/timestamps';
import type { Company } from './company.entity';
import { MEMBERSHIP_ROLES, MEMBERSHIP_STATUSES, type CompanyMembership, type MembershipRole, type MembershipStatus } from './company-membership.entity';

export class CreateCompanyDto {
  @ApiProperty({ example: 'Paper Clips Inc' }) @IsString() @Length(1, 200) name: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(10_000) description?: string;
  @ApiPropertyOptional({ example: 'PAP', description: 'Letters and digits, starting with a letter; upper-cased' })
  @IsOptional()
  @Matches(/^[A-Za-z][A-Za-z0-9]{0,9}$/, { message: 'issuePrefix must be 1-10 letters or digits, starting with a letter' })
  issuePrefix?: string;
}

export class PutMemberDto {
  @ApiProperty({ enum: MEMBERSHIP_ROLES }) @IsIn(MEMBERSHIP_ROLES) role: MembershipRole;
  @ApiPropertyOptional({ enum: MEMBERSHIP_STATUSES, default: 'active' }) @IsOptional() @IsIn(MEMBERSHIP_STATUSES) status?: MembershipStatus;
}

export class CompanyResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ enum: ['active', 'paused', 'archived'] }) status: string;
  @ApiProperty({ example: 'PAP' }) issuePrefix: string;
  @ApiProperty() issueCounter: number;
  @ApiProperty() requireBoardApprovalForNewAgents: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class MembershipResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) companyId: string;
  @ApiProperty({ enum: ['user', 'agent'] }) principalType: string;
  @ApiProperty({ format: 'uuid' }) principalId: string;
  @ApiProperty({ enum: MEMBERSHIP_ROLES }) role: string;
  @ApiProperty({ enum: MEMBERSHIP_STATUSES }) status: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export function toCompanyResponse(c: Company): CompanyResponse {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    status: c.status,
    issuePrefix: c.issuePrefix,
    issueCounter: c.issueCounter,
    requireBoardApprovalForNewAgents: c.requireBoardApprovalForNewAgents,
    createdAt: iso(c.createdAt) as string,
    updatedAt: iso(c.updatedAt) as string,
  };
}

export function toMembershipResponse(m: CompanyMembership): MembershipResponse {
  return {
    id: m.id,
    companyId: m.companyId,
    principalType: m.principalType,
    principalId: m.principalId,
    role: m.membershipRole,
    status: m.status,
    createdAt: iso(m.createdAt) as string,
    updatedAt: iso(m.updatedAt) as string,
  };
}
