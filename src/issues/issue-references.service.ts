import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/domain-error';
import { AssigneesRepository } from './assignees.repository';
import { IssuesRepository } from './issues.repository';

const MAX_PARENT_DEPTH = 1000;

/** Checks of what an issue write points at: its assignees and its parent. */
@Injectable()
export class IssueReferencesService {
  constructor(
    private readonly assignees: AssigneesRepository,
    private readonly issues: IssuesRepository,
  ) {}

  /** An agent of the company that is not terminated; answers its name (for the execution lock key). */
  async assignableAgent(em: EntityManager, companyId: string, agentId: string, field = 'assigneeAgentId'): Promise<string> {
    const agent = await this.assignees.agent(em, agentId);
    if (!agent || agent.company_id !== companyId || agent.status === 'terminated') {
      throw new DomainError('invalid_assignee', `${field} must be an agent of this company that is not terminated`, { [field]: agentId });
    }
    return agent.name;
  }

  async assertAssignable(em: EntityManager, companyId: string, agentId: string | null, userId: string | null): Promise<void> {
    if (agentId) await this.assignableAgent(em, companyId, agentId);
    if (userId && !(await this.assignees.isActiveMember(em, userId, companyId))) {
      throw new DomainError('invalid_assignee', 'assigneeUserId must be an active member of this company', { assigneeUserId: userId });
    }
  }

  /** The parent exists in the company and does not descend from the issue. */
  async assertParent(em: EntityManager, companyId: string, issueId: string, parentId: string): Promise<void> {
    const chain = await this.issues.ancestry(em, parentId, MAX_PARENT_DEPTH);
    if (!chain[0] || chain[0].company_id !== companyId) {
      throw new DomainError('invalid_reference', 'parentId must be an issue of the same company', { parentId });
    }
    if (chain.some((r) => r.id === issueId)) throw new DomainError('invalid_reference', 'parentId would make a cycle', { parentId });
  }
}
