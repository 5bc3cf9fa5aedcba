import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService, auditActor } from '../audit/audit.service';
import type { BoardActor } from '../auth/actor';
import { CompanyAccessService } from '../auth/company-access.service';
import { DomainError, notFound } from '../common/domain-error';
import { TransactionRunner } from '../database/transaction-runner';
import { User } from '../users/user.entity';
import { CreateCompanyDto, PutMemberDto } from './companies.dto';
import { Company } from './company.entity';
import { CompanyMembership } from './company-membership.entity';
import { CompaniesRepository } from './companies.repository';

/** "Paper Clips" → "PAP"; names without letters fall back to "CO". */
export function prefixFromName(name: string): string {
  const letters = name.replace(/[^A-Za-z]/g, '').slice(0, 3).toUpperCase();
  return letters || 'CO';
}

@Injectable()
export class CompaniesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly access: CompanyAccessService,
    private readonly companies: CompaniesRepository,
  ) {}

  async create(actor: BoardActor, dto: CreateCompanyDto): Promise<Company> {
    return this.tx.run(async (em) => {
      await this.companies.lockPrefixes(em);
      const prefix = dto.issuePrefix ? dto.issuePrefix.toUpperCase() : await this.uniquePrefix(em, prefixFromName(dto.name));
      if (dto.issuePrefix && (await em.findOneBy(Company, { issuePrefix: prefix }))) {
        throw new DomainError('duplicate', `Issue prefix ${prefix} is taken`, { issuePrefix: prefix });
      }
      const company = await em.save(
        em.create(Company, {
          name: dto.name.trim(),
          description: dto.description ?? null,
          status: 'active',
          issuePrefix: prefix,
          issueCounter: 0,
          requireBoardApprovalForNewAgents: false,
        }),
      );
      await em.save(
        em.create(CompanyMembership, { companyId: company.id, principalType: 'user', principalId: actor.userId, membershipRole: 'owner', status: 'active' }),
      );
      await this.audit.record(em, {
        companyId: company.id,
        ...auditActor(actor),
        action: 'company.created',
        entityType: 'company',
        entityId: company.id,
        details: { name: company.name, issuePrefix: prefix },
      });
      return company;
    });
  }

  private async uniquePrefix(em: EntityManager, base: string): Promise<string> {
    const taken = await this.companies.prefixesStartingWith(em, base);
    if (!taken.has(base)) return base;
    for (let n = 2; ; n++) if (!taken.has(`${base}${n}`)) return `${base}${n}`;
  }

  listVisible(actor: BoardActor): Promise<Company[]> {
    return this.companies.visibleTo(actor.isInstanceAdmin ? null : actor.userId);
  }

  async get(companyId: string): Promise<Company> {
    const company = await this.dataSource.getRepository(Company).findOneBy({ id: companyId });
    if (!company) throw notFound('Company', { companyId });
    return company;
  }

  async putMember(actor: BoardActor, companyId: string, userId: string, dto: PutMemberDto): Promise<CompanyMembership> {
    return this.tx.run(async (em) => {
      if (!(await em.findOneBy(User, { id: userId }))) throw notFound('User', { userId });
      const existing = await em.findOne(CompanyMembership, {
        where: { companyId, principalType: 'user', principalId: userId },
        lock: { mode: 'pessimistic_write' },
      });
      // Owners are the only ones who may grant, change or remove owner standing.
      if (dto.role === 'owner' || existing?.membershipRole === 'owner') await this.access.assertBoardRole(actor, companyId, 'owner');
      const membership = existing ?? em.create(CompanyMembership, { companyId, principalType: 'user', principalId: userId });
      const previous = existing ? { role: existing.membershipRole, status: existing.status } : null;
      membership.membershipRole = dto.role;
      membership.status = dto.status ?? existing?.status ?? 'active';
      const saved = await em.save(membership);
      await this.audit.record(em, {
        companyId,
        ...auditActor(actor),
        action: 'company.member_updated',
        entityType: 'company_membership',
        entityId: saved.id,
        details: { userId, role: saved.membershipRole, status: saved.status, _previous: previous },
      });
      return saved;
    });
  }

  listMembers(companyId: string): Promise<CompanyMembership[]> {
    return this.dataSource.getRepository(CompanyMembership).find({ where: { companyId }, order: { createdAt: 'ASC' } });
  }
}
