import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService, auditActor } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { DomainError } from '../common/domain-error';
import { IssueRelationsRepository } from './issue-relations.repository';
import { IssuesRepository } from './issues.repository';

/** Blockers (issue A `blocks` issue B): who may block whom, and the 422 for moving a blocked issue forward. */
@Injectable()
export class IssueBlockersService {
  constructor(
    private readonly issues: IssuesRepository,
    private readonly relations: IssueRelationsRepository,
    private readonly audit: AuditService,
  ) {}

  /** Replaces the issue's blockers as `actor` and audits what changed (`issue.blockers_updated`). */
  async setBlockers(em: EntityManager, actor: Actor, companyId: string, issueId: string, blockerIds: string[]): Promise<void> {
    const author = { agentId: actor.type === 'agent' ? actor.agentId : null, userId: actor.type === 'board' ? actor.userId : null };
    const { added, removed } = await this.replace(em, companyId, issueId, blockerIds, author);
    if (added.length === 0 && removed.length === 0) return;
    await this.audit.record(em, {
      companyId,
      ...auditActor(actor),
      action: 'issue.blockers_updated',
      entityType: 'issue',
      entityId: issueId,
      details: { blockedByIssueIds: [...new Set(blockerIds)], added, removed },
    });
  }

  async assertNoUnresolvedBlockers(em: EntityManager, issueId: string): Promise<void> {
    this.refuseUnresolved(await this.relations.unresolvedBlockers(em, issueId));
  }

  /** For an issue created straight into in_progress: its blockers must all be done. */
  async assertBlockersDone(em: EntityManager, blockerIds: string[]): Promise<void> {
    this.refuseUnresolved(await this.relations.notDone(em, blockerIds));
  }

  /**
   * Locks the given issues in id order (the global lock order for several issues) and checks they
   * exist in the company. Call before locking any of them another way.
   */
  async lockInOrder(em: EntityManager, companyId: string, issueIds: string[]): Promise<void> {
    const found = await this.issues.lockInOrder(em, issueIds);
    const invalid = [...new Set(issueIds)].sort().filter((id) => found.get(id) !== companyId);
    if (invalid.length > 0) {
      throw new DomainError('invalid_reference', 'Blockers must be existing issues of the same company', { invalidIssueIds: invalid });
    }
  }

  /**
   * Replaces the set of issues blocking `issueId`. The caller holds the locks on all of them
   * (lockInOrder), so two concurrent changes cannot build a cycle between them.
   */
  async replace(
    em: EntityManager,
    companyId: string,
    issueId: string,
    blockerIds: string[],
    author: { agentId: string | null; userId: string | null },
  ): Promise<{ added: string[]; removed: string[] }> {
    const wanted = [...new Set(blockerIds)];
    if (wanted.includes(issueId)) throw new DomainError('blocker_cycle', 'An issue cannot block itself', { issueId });
    if (wanted.length > 0) {
      const cycle = await this.relations.blockedDownstream(em, issueId, wanted);
      if (cycle.length > 0) throw new DomainError('blocker_cycle', 'These blockers would make a cycle', { issueId, cycleThrough: cycle });
    }
    const current = await this.relations.blockersOf(em, issueId);
    const removed = current.filter((id) => !wanted.includes(id));
    const added = wanted.filter((id) => !current.includes(id));
    if (removed.length > 0) await this.relations.removeBlockers(em, issueId, removed);
    for (const blocker of added) await this.relations.addBlocker(em, companyId, blocker, issueId, author);
    return { added, removed };
  }

  private refuseUnresolved(unresolved: string[]): void {
    if (unresolved.length > 0) {
      throw new DomainError('blocked_by_unresolved', 'The issue has blockers that are not done', { unresolvedBlockerIssueIds: unresolved });
    }
  }
}
