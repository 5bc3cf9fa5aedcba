import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { MembershipRole, MembershipStatus } from '../companies/company-membership.entity';
import { query } from '../database/sql';

export interface BoardProfileRow {
  email: string;
  name: string;
}

export interface BoardMembershipRow {
  company_id: string;
  membership_role: MembershipRole;
  status: MembershipStatus;
}

/** What a board user may reach: their active role in a company, their memberships and profile. */
@Injectable()
export class BoardAccessRepository {
  constructor(private readonly dataSource: DataSource) {}

  async activeRole(userId: string, companyId: string): Promise<MembershipRole | null> {
    const [row] = await query<{ membership_role: MembershipRole }>(
      this.dataSource.manager,
      `SELECT membership_role FROM company_memberships
        WHERE company_id = $1 AND principal_type = 'user' AND principal_id = $2 AND status = 'active'`,
      [companyId, userId],
    );
    return row?.membership_role ?? null;
  }

  async profile(userId: string): Promise<BoardProfileRow | null> {
    const [row] = await query<BoardProfileRow>(this.dataSource.manager, 'SELECT email, name FROM users WHERE id = $1', [userId]);
    return row ?? null;
  }

  memberships(userId: string): Promise<BoardMembershipRow[]> {
    return query<BoardMembershipRow>(
      this.dataSource.manager,
      `SELECT company_id, membership_role, status FROM company_memberships WHERE principal_type = 'user' AND principal_id = $1`,
      [userId],
    );
  }
}
