import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import type { MembershipRole } from '../companies/company-membership.entity';
import type { Actor, BoardActor } from './actor';
import { BoardAccessRepository } from './board-access.repository';

const ROLE_RANK: Record<MembershipRole, number> = { viewer: 1, operator: 2, admin: 3, owner: 4 };

/** Company-level authorization: who may read or change what inside one company. */
@Injectable()
export class CompanyAccessService {
  constructor(private readonly boardAccess: BoardAccessRepository) {}

  /** Throws unless the actor may act in the company with at least `needed` standing. */
  async assertCompany(actor: Actor, companyId: string, needed: MembershipRole | 'any'): Promise<void> {
    if (actor.type === 'agent') {
      if (actor.companyId !== companyId) throw this.denied(companyId);
      return;
    }
    await this.assertBoardRole(actor, companyId, needed);
  }

  async assertBoardRole(actor: BoardActor, companyId: string, needed: MembershipRole | 'any'): Promise<void> {
    if (actor.isInstanceAdmin) return;
    const role = await this.boardAccess.activeRole(actor.userId, companyId);
    if (!role) throw this.denied(companyId);
    if (needed === 'any' || ROLE_RANK[role] >= ROLE_RANK[needed]) return;
    if (role === 'viewer') {
      throw new DomainError('read_only_membership', 'A viewer membership cannot change anything', { companyId, role, required: needed });
    }
    throw new DomainError('role_required', `This needs the ${needed} role or above`, { companyId, role, required: needed });
  }

  private denied(companyId: string): DomainError {
    return new DomainError('company_access_denied', 'No access to this company', { companyId });
  }
}
