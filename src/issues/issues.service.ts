import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AuditService, auditActor } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { claimIdempotencyKey } from '../common/idempotency';
import { TransactionRunner } from '../database/transaction-runner';
import { IssueLocksRepository } from '../locks/issue-locks.repository';
import { assertInProgressHasAgent, assertSingleAssignee, statusTimestamps } from '../ownership/issue-invariants.policy';
import { locksAfterChange } from '../ownership/locks-after-change.policy';
import { orThrow } from '../ownership/policy-types';
import { assertLiveCallerRun } from '../runs/run-fence';
import { CreateIssueDto, ListIssuesQuery } from './dto/issue.dto';
import { IssueBlockersService } from './issue-blockers.service';
import { decodeIssueListCursor, encodeIssueListCursor } from './issue-list-cursor';
import { IssueReferencesService } from './issue-references.service';
import { BlockerLinks, IssueRelationsRepository } from './issue-relations.repository';
import { IssueRow, lockChanges } from './issue-row';
import { IssuesRepository } from './issues.repository';

export interface IssueListPage {
  issues: IssueRow[];
  /** null on the last page. */
  nextCursor: string | null;
}

export interface IssueWithRelations {
  issue: IssueRow;
  relations: BlockerLinks;
}

/** Creating and reading issues. PATCH is IssueUpdateService; the ownership routes live in ownership/. */
@Injectable()
export class IssuesService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly issues: IssuesRepository,
    private readonly relations: IssueRelationsRepository,
    private readonly blockers: IssueBlockersService,
    private readonly references: IssueReferencesService,
    private readonly locks: IssueLocksRepository,
  ) {}

  async create(actor: Actor, companyId: string, dto: CreateIssueDto, idempotencyKey: string | null): Promise<IssueRow> {
    const issueId = randomUUID();
    const replayOf = await this.tx.run(async (em) => {
      if (idempotencyKey) {
        const first = await claimIdempotencyKey(em, actor, `issue.create:${companyId}`, idempotencyKey, issueId);
        if (first) return first;
      }
      await this.insert(em, actor, companyId, issueId, dto);
      return null;
    });
    return this.issues.read(replayOf ?? issueId);
  }

  private async insert(em: EntityManager, actor: Actor, companyId: string, issueId: string, dto: CreateIssueDto): Promise<void> {
    const status = dto.status ?? 'backlog';
    const agentId = dto.assigneeAgentId ?? null;
    const userId = dto.assigneeUserId ?? null;
    assertSingleAssignee(agentId, userId);
    assertInProgressHasAgent(status, agentId);
    await this.references.assertAssignable(em, companyId, agentId, userId);
    if (dto.parentId) await this.references.assertParent(em, companyId, issueId, dto.parentId);

    // Lock order: the company row (numbering) first, then issue rows, then runs.
    const { issueNumber, identifier } = await this.issues.allocateNumber(em, companyId);
    const blockers = [...new Set(dto.blockedByIssueIds ?? [])];
    if (blockers.length > 0) {
      await this.blockers.lockInOrder(em, companyId, blockers);
      if (status === 'in_progress') await this.blockers.assertBlockersDone(em, blockers);
    }
    // Fencing (ownership.md §8): a create that carries a run id needs that run live.
    const runs = actor.type === 'agent' && actor.runId ? await this.locks.lockRuns(em, [actor.runId]) : new Map();
    if (actor.type === 'agent' && actor.runId) assertLiveCallerRun(actor, runs);
    const plan = orThrow(locksAfterChange(null, { status, assigneeAgentId: agentId, assigneeUserId: userId }, actor, runs));
    const title = dto.title.trim();
    await this.issues.insert(em, {
      id: issueId,
      company_id: companyId,
      parent_id: dto.parentId ?? null,
      title,
      description: dto.description ?? null,
      status,
      priority: dto.priority ?? 'medium',
      assignee_agent_id: agentId,
      assignee_user_id: userId,
      checkout_run_id: null,
      execution_run_id: null,
      execution_agent_name_key: null,
      execution_locked_at: null,
      ...lockChanges(plan, actor.type === 'agent' ? actor.agentName : null),
      created_by_agent_id: actor.type === 'agent' ? actor.agentId : null,
      created_by_user_id: actor.type === 'board' ? actor.userId : null,
      issue_number: issueNumber,
      identifier,
      started_at: null,
      completed_at: null,
      cancelled_at: null,
      ...statusTimestamps(null, status),
      hidden_at: null,
      project_id: dto.projectId ?? null,
      goal_id: dto.goalId ?? null,
      billing_code: dto.billingCode ?? null,
      request_depth: dto.requestDepth ?? 0,
      work_mode: dto.workMode ?? 'standard',
    });
    await this.audit.record(em, {
      companyId,
      ...auditActor(actor),
      action: 'issue.created',
      entityType: 'issue',
      entityId: issueId,
      details: { identifier, title, status, assigneeAgentId: agentId, assigneeUserId: userId },
    });
    if (blockers.length > 0) await this.blockers.setBlockers(em, actor, companyId, issueId, blockers);
  }

  async get(issueId: string): Promise<IssueWithRelations> {
    const [issue, relations] = await Promise.all([this.issues.read(issueId), this.relations.links(issueId)]);
    return { issue, relations };
  }

  list(companyId: string, filters: ListIssuesQuery, assigneeAgentId?: string): Promise<IssueRow[]> {
    return this.listPage(companyId, filters, assigneeAgentId).then((page) => page.issues);
  }

  /** A page of the list and, when the page is full, the cursor of the next one. */
  async listPage(companyId: string, filters: ListIssuesQuery, assigneeAgentId?: string): Promise<IssueListPage> {
    const limit = filters.limit ?? 100;
    const rows = await this.issues.list(companyId, {
      status: filters.status,
      assigneeAgentId: assigneeAgentId ?? filters.assigneeAgentId,
      parentId: filters.parentId,
      q: filters.q,
      after: filters.cursor === undefined ? undefined : decodeIssueListCursor(filters.cursor),
      limit,
      offset: filters.offset ?? 0,
    });
    const last = rows.length === limit ? rows[rows.length - 1] : undefined;
    return { issues: rows, nextCursor: last ? encodeIssueListCursor({ rank: last.list_rank, updatedAt: last.list_updated_at, id: last.id }) : null };
  }
}
