import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditEntry, AuditService, auditActor } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { DomainError } from '../common/domain-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { query } from '../database/sql';
import { TransactionRunner } from '../database/transaction-runner';
import type { LockedRuns } from '../locks/lock-holders';
import type { ClearedLocks } from '../locks/stale-lock.service';
import { assertLiveCallerRun, lockCallerRun } from '../runs/run-fence';
import { CommentsService } from './comments.service';
import { CreateIssueDto, ListIssuesQuery, UpdateIssueDto } from './dto/issue.dto';
import { claimIdempotencyKey } from '../common/idempotency';
import { assertNoUnresolvedBlockers, blockerRelations, lockIssuesInOrder, replaceBlockers } from './issue-blockers';
import { CommentRow } from './issue-response';
import { IssueChanges, IssueRow, locksFor, NO_LOCKS, readIssue, updateIssue } from './issue-row';
import { assertAgentTransition, assertInProgressHasAgent, assertSingleAssignee, statusTimestamps } from '../ownership/issue-invariants.policy';
import type { IssueStatus } from './issue.entity';
import { OwnershipGateService } from './ownership/ownership-gate.service';
import { asJson, FieldChanges, PLAIN_FIELDS, sameValue } from './issue-changes';

const PRIORITY_ORDER = `CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END`;

export interface IssueWithRelations {
  issue: IssueRow;
  relations: { blockedByIssueIds: string[]; blocksIssueIds: string[] };
}

@Injectable()
export class IssuesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly gate: OwnershipGateService,
    private readonly audit: AuditService,
    private readonly comments: CommentsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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
    return readIssue(this.dataSource.manager, replayOf ?? issueId);
  }

  private async insert(em: EntityManager, actor: Actor, companyId: string, issueId: string, dto: CreateIssueDto): Promise<void> {
    const status = dto.status ?? 'backlog';
    const agentId = dto.assigneeAgentId ?? null;
    const userId = dto.assigneeUserId ?? null;
    assertSingleAssignee(agentId, userId);
    assertInProgressHasAgent(status, agentId);
    await this.assertAssignable(em, companyId, agentId, userId);
    if (dto.parentId) await this.assertParent(em, companyId, issueId, dto.parentId);

    // Lock order: the company row (numbering) first, then issue rows, then runs.
    const [company] = await query<{ issue_counter: number; issue_prefix: string }>(
      em,
      'UPDATE companies SET issue_counter = issue_counter + 1 WHERE id = $1 RETURNING issue_counter, issue_prefix',
      [companyId],
    );
    const blockers = [...new Set(dto.blockedByIssueIds ?? [])];
    if (blockers.length > 0) {
      await lockIssuesInOrder(em, companyId, blockers);
      if (status === 'in_progress') await this.assertBlockersDone(em, blockers);
    }
    // Fencing (ownership.md §8): a create that carries a run id needs that run live; one that puts
    // the agent's own issue straight into in_progress needs a run to take the locks for.
    const takesLocks = status === 'in_progress' && actor.type === 'agent' && agentId === actor.agentId;
    const callerRunId = actor.type === 'agent' && (actor.runId || takesLocks) ? await lockCallerRun(em, actor, this.config.runLeaseSeconds) : null;
    const locks = locksFor(takesLocks ? callerRunId : null, actor.type === 'agent' ? actor.agentName : null);
    const timestamps = statusTimestamps(null, status);
    await query(
      em,
      `INSERT INTO issues (id, company_id, parent_id, title, description, status, priority, assignee_agent_id, assignee_user_id,
         checkout_run_id, execution_run_id, execution_agent_name_key, execution_locked_at,
         created_by_agent_id, created_by_user_id, issue_number, identifier, started_at, completed_at, cancelled_at,
         project_id, goal_id, billing_code, request_depth, work_mode)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, CASE WHEN $10::uuid IS NULL THEN NULL ELSE now() END,
         $13, $14, $15, $16,
         CASE WHEN $17 THEN now() END, CASE WHEN $18 THEN now() END, CASE WHEN $19 THEN now() END,
         $20, $21, $22, $23, $24)`,
      [
        issueId, companyId, dto.parentId ?? null, dto.title.trim(), dto.description ?? null, status, dto.priority ?? 'medium', agentId, userId,
        locks.checkout_run_id, locks.execution_run_id, locks.execution_agent_name_key,
        actor.type === 'agent' ? actor.agentId : null, actor.type === 'board' ? actor.userId : null,
        company.issue_counter, `${company.issue_prefix}-${company.issue_counter}`,
        'started_at' in timestamps, 'completed_at' in timestamps, 'cancelled_at' in timestamps,
        dto.projectId ?? null, dto.goalId ?? null, dto.billingCode ?? null, dto.requestDepth ?? 0, dto.workMode ?? 'standard',
      ],
    );
    await this.audit.record(em, {
      companyId,
      ...auditActor(actor),
      action: 'issue.created',
      entityType: 'issue',
      entityId: issueId,
      details: { identifier: `${company.issue_prefix}-${company.issue_counter}`, title: dto.title.trim(), status, assigneeAgentId: agentId, assigneeUserId: userId },
    });
    if (blockers.length > 0) await this.setBlockers(em, actor, companyId, issueId, blockers);
  }

  async get(issueId: string): Promise<IssueWithRelations> {
    const em = this.dataSource.manager;
    const [issue, relations] = await Promise.all([readIssue(em, issueId), blockerRelations(em, issueId)]);
    return { issue, relations };
  }

  async list(companyId: string, filters: ListIssuesQuery, assigneeAgentId?: string): Promise<IssueRow[]> {
    const params: unknown[] = [companyId];
    const where = ['company_id = $1', 'hidden_at IS NULL'];
    const add = (sql: (n: number) => string, value: unknown) => {
      params.push(value);
      where.push(sql(params.length));
    };
    if (filters.status?.length) add((n) => `status = ANY($${n}::text[])`, filters.status);
    const assignee = assigneeAgentId ?? filters.assigneeAgentId;
    if (assignee) add((n) => `assignee_agent_id = $${n}`, assignee);
    if (filters.parentId) add((n) => `parent_id = $${n}`, filters.parentId);
    if (filters.q) {
      add((n) => `(title ILIKE $${n} OR identifier ILIKE $${n} OR description ILIKE $${n})`, `%${filters.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    params.push(filters.limit ?? 100, filters.offset ?? 0);
    return query(
      this.dataSource.manager,
      `SELECT * FROM issues WHERE ${where.join(' AND ')}
        ORDER BY ${PRIORITY_ORDER}, updated_at DESC, id
        LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
  }

  /** PATCH: the gate, the invariants and the write, in one transaction under the row lock. */
  async update(
    actor: Actor,
    companyId: string,
    issueId: string,
    dto: UpdateIssueDto,
    clearedEarlier: ClearedLocks | null,
  ): Promise<{ issue: IssueRow; changes: FieldChanges; comment?: CommentRow }> {
    return this.tx.run(async (em) => {
      if (dto.blockedByIssueIds) await lockIssuesInOrder(em, companyId, [issueId, ...dto.blockedByIssueIds]);
      const locked = await this.gate.lockForWrite(em, actor, issueId, clearedEarlier);
      const issue = await this.gate.pass(em, actor, locked);

      const next = {
        status: dto.status ?? issue.status,
        agentId: dto.assigneeAgentId !== undefined ? dto.assigneeAgentId : issue.assignee_agent_id,
        userId: dto.assigneeUserId !== undefined ? dto.assigneeUserId : issue.assignee_user_id,
      };
      const statusChanged = next.status !== issue.status;
      const assigneeChanged = next.agentId !== issue.assignee_agent_id || next.userId !== issue.assignee_user_id;
      if (actor.type === 'agent') assertAgentTransition(issue.status, next.status);
      assertSingleAssignee(next.agentId, next.userId);
      if (statusChanged || assigneeChanged) assertInProgressHasAgent(next.status, next.agentId);
      if (assigneeChanged) await this.assertAssignable(em, companyId, next.agentId !== issue.assignee_agent_id ? next.agentId : null, next.userId !== issue.assignee_user_id ? next.userId : null);
      if (dto.parentId) await this.assertParent(em, companyId, issueId, dto.parentId);

      const proposed: Record<(typeof PLAIN_FIELDS)[number][0], unknown> = {
        title: dto.title?.trim(),
        description: dto.description,
        priority: dto.priority,
        status: next.status,
        assigneeAgentId: next.agentId,
        assigneeUserId: next.userId,
        parentId: dto.parentId,
        projectId: dto.projectId,
        goalId: dto.goalId,
        billingCode: dto.billingCode,
        requestDepth: dto.requestDepth,
        workMode: dto.workMode,
        hiddenAt: dto.hiddenAt,
      };
      const changes: IssueChanges = {};
      const previous: Record<string, unknown> = {};
      const changed: Record<string, unknown> = {};
      for (const [field, column] of PLAIN_FIELDS) {
        const value = proposed[field];
        if (value === undefined || sameValue(value, issue[column])) continue;
        (changes as Record<string, unknown>)[column] = value;
        changed[field] = value;
        previous[field] = issue[column];
      }

      if (dto.blockedByIssueIds) await this.setBlockers(em, actor, companyId, issueId, dto.blockedByIssueIds);
      if (statusChanged && next.status === 'in_progress') await assertNoUnresolvedBlockers(em, issueId);
      Object.assign(changes, statusTimestamps(issue.status, next.status), this.lockChanges(actor, issue, locked.runs, next, statusChanged, assigneeChanged));

      let updated = issue;
      if (Object.keys(changes).length > 0) {
        const audit: AuditEntry | undefined =
          Object.keys(changed).length > 0
            ? { companyId, ...auditActor(actor), action: 'issue.updated', entityType: 'issue', entityId: issueId, details: { ...changed, _previous: previous } }
            : undefined;
        updated = await updateIssue(em, issueId, changes, audit);
      }
      const comment = dto.comment !== undefined ? await this.comments.insert(em, actor, updated, dto.comment, randomUUID()) : undefined;
      const fieldChanges: FieldChanges = {};
      for (const field of Object.keys(changed)) fieldChanges[field] = { from: asJson(previous[field]), to: asJson(changed[field]) };
      return { issue: updated, changes: fieldChanges, comment };
    });
  }

  /**
   * Locks follow the row: leaving in_progress or changing the assignee drops them; an agent moving
   * its own issue into in_progress takes them for its live run, a board user leaves it unowned.
   */
  private lockChanges(
    actor: Actor,
    issue: IssueRow,
    runs: LockedRuns,
    next: { status: IssueStatus; agentId: string | null },
    statusChanged: boolean,
    assigneeChanged: boolean,
  ): IssueChanges {
    const entering = statusChanged && next.status === 'in_progress';
    if (entering && actor.type === 'agent' && next.agentId === actor.agentId) {
      return locksFor(assertLiveCallerRun(actor, runs), actor.agentName);
    }
    const held = issue.checkout_run_id || issue.execution_run_id;
    return held && (next.status !== 'in_progress' || assigneeChanged || entering) ? { ...NO_LOCKS } : {};
  }

  private async setBlockers(em: EntityManager, actor: Actor, companyId: string, issueId: string, blockerIds: string[]): Promise<void> {
    const author = { agentId: actor.type === 'agent' ? actor.agentId : null, userId: actor.type === 'board' ? actor.userId : null };
    const { added, removed } = await replaceBlockers(em, companyId, issueId, blockerIds, author);
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

  private async assertBlockersDone(em: EntityManager, blockerIds: string[]): Promise<void> {
    const rows: { id: string }[] = await query(em, `SELECT id FROM issues WHERE id = ANY($1::uuid[]) AND status <> 'done' ORDER BY id`, [blockerIds]);
    if (rows.length > 0) {
      throw new DomainError('blocked_by_unresolved', 'The issue has blockers that are not done', { unresolvedBlockerIssueIds: rows.map((r) => r.id) });
    }
  }

  private async assertAssignable(em: EntityManager, companyId: string, agentId: string | null, userId: string | null): Promise<void> {
    if (agentId) {
      const [agent]: { company_id: string; status: string }[] = await query(em, 'SELECT company_id, status FROM agents WHERE id = $1', [agentId]);
      if (!agent || agent.company_id !== companyId || agent.status === 'terminated') {
        throw new DomainError('invalid_assignee', 'assigneeAgentId must be an agent of this company that is not terminated', { assigneeAgentId: agentId });
      }
    }
    if (userId) {
      const rows: unknown[] = await query(
        em,
        `SELECT 1 FROM users u WHERE u.id = $1 AND (u.is_instance_admin OR EXISTS (
           SELECT 1 FROM company_memberships m WHERE m.company_id = $2 AND m.principal_type = 'user' AND m.principal_id = u.id AND m.status = 'active'))`,
        [userId, companyId],
      );
      if (rows.length === 0) {
        throw new DomainError('invalid_assignee', 'assigneeUserId must be an active member of this company', { assigneeUserId: userId });
      }
    }
  }

  private async assertParent(em: EntityManager, companyId: string, issueId: string, parentId: string): Promise<void> {
    const rows: { id: string }[] = await query(
      em,
      `WITH RECURSIVE ancestors(id, parent_id, company_id, depth) AS (
         SELECT id, parent_id, company_id, 0 FROM issues WHERE id = $1
         UNION ALL
         SELECT i.id, i.parent_id, i.company_id, a.depth + 1 FROM issues i JOIN ancestors a ON i.id = a.parent_id WHERE a.depth < 1000)
       SELECT id, company_id FROM ancestors`,
      [parentId],
    );
    const parent = rows[0] as { id: string; company_id?: string } | undefined;
    if (!parent || parent.company_id !== companyId) {
      throw new DomainError('invalid_reference', 'parentId must be an issue of the same company', { parentId });
    }
    if (rows.some((r) => r.id === issueId)) throw new DomainError('invalid_reference', 'parentId would make a cycle', { parentId });
  }
}
