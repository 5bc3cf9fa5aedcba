import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AuditEntry, auditActor } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { TransactionRunner } from '../database/transaction-runner';
import type { ClearedLocks } from '../locks/stale-lock.service';
import { assertAgentTransition, assertInProgressHasAgent, assertSingleAssignee, statusTimestamps } from '../ownership/issue-invariants.policy';
import { locksAfterChange, NextAssignment } from '../ownership/locks-after-change.policy';
import { orThrow } from '../ownership/policy-types';
import { CommentsService } from './comments.service';
import type { UpdateIssueDto } from './dto/issue.dto';
import { IssueBlockersService } from './issue-blockers.service';
import { asJson, FieldChanges, PLAIN_FIELDS, sameValue } from './issue-changes';
import { IssueReferencesService } from './issue-references.service';
import type { CommentRow } from './issue-response';
import { IssueChanges, IssueRow, lockChanges } from './issue-row';
import { IssuesRepository } from './issues.repository';
import { LockedIssue, OwnershipGateService } from './ownership/ownership-gate.service';

export interface IssueUpdate {
  issue: IssueRow;
  changes: FieldChanges;
  comment?: CommentRow;
}

/** The plain-field part of a PATCH: the column changes, and for the audit and the reply what changed from what. */
interface FieldDiff {
  columns: IssueChanges;
  changed: Record<string, unknown>;
  previous: Record<string, unknown>;
}

/** PATCH (ownership.md §2, §4): lock → gate → invariants → decide the locks → one UPDATE with its audit row. */
@Injectable()
export class IssueUpdateService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly gate: OwnershipGateService,
    private readonly issues: IssuesRepository,
    private readonly blockers: IssueBlockersService,
    private readonly references: IssueReferencesService,
    private readonly comments: CommentsService,
  ) {}

  update(actor: Actor, companyId: string, issueId: string, dto: UpdateIssueDto, clearedEarlier: ClearedLocks | null): Promise<IssueUpdate> {
    return this.tx.run(async (em) => {
      // New blockers are locked with the issue, in id order, before anything else (no cycle can race in).
      if (dto.blockedByIssueIds) await this.blockers.lockInOrder(em, companyId, [issueId, ...dto.blockedByIssueIds]);
      const locked = await this.gate.lockForWrite(em, actor, issueId, clearedEarlier);
      const issue = await this.gate.pass(em, actor, locked);
      const next = nextAssignment(issue, dto);
      await this.assertMayChange(em, actor, companyId, issue, next, dto);

      const diff = fieldDiff(issue, dto, next);
      if (dto.blockedByIssueIds) await this.blockers.setBlockers(em, actor, companyId, issueId, dto.blockedByIssueIds);
      if (next.status === 'in_progress' && issue.status !== 'in_progress') await this.blockers.assertNoUnresolvedBlockers(em, issueId);
      const columns = { ...diff.columns, ...statusTimestamps(issue.status, next.status), ...this.lockColumns(actor, locked, next) };

      const updated = Object.keys(columns).length > 0 ? await this.issues.update(em, issueId, columns, this.auditOf(actor, companyId, issueId, diff)) : issue;
      const comment = dto.comment !== undefined ? await this.comments.insert(em, actor, updated, dto.comment, randomUUID()) : undefined;
      return { issue: updated, changes: replyChanges(diff), comment };
    });
  }

  /** §2 invariants on the resulting row, the agent transition table, and what the write points at. */
  private async assertMayChange(em: EntityManager, actor: Actor, companyId: string, issue: IssueRow, next: NextAssignment, dto: UpdateIssueDto): Promise<void> {
    const agentChanged = next.assigneeAgentId !== issue.assignee_agent_id;
    const userChanged = next.assigneeUserId !== issue.assignee_user_id;
    if (actor.type === 'agent') assertAgentTransition(issue.status, next.status);
    assertSingleAssignee(next.assigneeAgentId, next.assigneeUserId);
    if (next.status !== issue.status || agentChanged || userChanged) assertInProgressHasAgent(next.status, next.assigneeAgentId);
    if (agentChanged || userChanged) {
      await this.references.assertAssignable(em, companyId, agentChanged ? next.assigneeAgentId : null, userChanged ? next.assigneeUserId : null);
    }
    if (dto.parentId) await this.references.assertParent(em, companyId, issue.id, dto.parentId);
  }

  private lockColumns(actor: Actor, locked: LockedIssue, next: NextAssignment): IssueChanges {
    const plan = orThrow(locksAfterChange(locked.issue, next, actor, locked.runs));
    return lockChanges(plan, actor.type === 'agent' ? actor.agentName : null);
  }

  private auditOf(actor: Actor, companyId: string, issueId: string, diff: FieldDiff): AuditEntry | undefined {
    if (Object.keys(diff.changed).length === 0) return undefined;
    return { companyId, ...auditActor(actor), action: 'issue.updated', entityType: 'issue', entityId: issueId, details: { ...diff.changed, _previous: diff.previous } };
  }
}

function nextAssignment(issue: IssueRow, dto: UpdateIssueDto): NextAssignment {
  return {
    status: dto.status ?? issue.status,
    assigneeAgentId: dto.assigneeAgentId !== undefined ? dto.assigneeAgentId : issue.assignee_agent_id,
    assigneeUserId: dto.assigneeUserId !== undefined ? dto.assigneeUserId : issue.assignee_user_id,
  };
}

function fieldDiff(issue: IssueRow, dto: UpdateIssueDto, next: NextAssignment): FieldDiff {
  const proposed: Record<(typeof PLAIN_FIELDS)[number][0], unknown> = {
    title: dto.title?.trim(),
    description: dto.description,
    priority: dto.priority,
    status: next.status,
    assigneeAgentId: next.assigneeAgentId,
    assigneeUserId: next.assigneeUserId,
    parentId: dto.parentId,
    projectId: dto.projectId,
    goalId: dto.goalId,
    billingCode: dto.billingCode,
    requestDepth: dto.requestDepth,
    workMode: dto.workMode,
    hiddenAt: dto.hiddenAt,
  };
  const diff: FieldDiff = { columns: {}, changed: {}, previous: {} };
  for (const [field, column] of PLAIN_FIELDS) {
    const value = proposed[field];
    if (value === undefined || sameValue(value, issue[column])) continue;
    (diff.columns as Record<string, unknown>)[column] = value;
    diff.changed[field] = value;
    diff.previous[field] = issue[column];
  }
  return diff;
}

function replyChanges(diff: FieldDiff): FieldChanges {
  const changes: FieldChanges = {};
  for (const field of Object.keys(diff.changed)) changes[field] = { from: asJson(diff.previous[field]), to: asJson(diff.changed[field]) };
  return changes;
}
