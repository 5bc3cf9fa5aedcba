import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { auditActor } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { DomainError, notFound } from '../common/domain-error';
import { TransactionRunner } from '../database/transaction-runner';
import type { ClearedLocks } from '../locks/stale-lock.service';
import { ListCommentsQuery } from './dto/comment.dto';
import { claimIdempotencyKey } from '../common/idempotency';
import { CommentsRepository } from './comments.repository';
import { CommentRow } from './issue-response';
import type { IssueRow } from './issue-row';
import { OwnershipGateService } from './ownership/ownership-gate.service';

@Injectable()
export class CommentsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly gate: OwnershipGateService,
    private readonly comments: CommentsRepository,
  ) {}

  /** POST comments: gated like PATCH, idempotent under an Idempotency-Key. */
  async create(actor: Actor, issueId: string, body: string, idempotencyKey: string | null, clearedEarlier: ClearedLocks | null): Promise<CommentRow> {
    const commentId = randomUUID();
    return this.tx.run(async (em) => {
      if (idempotencyKey) {
        const first = await claimIdempotencyKey(em, actor, `comment.create:${issueId}`, idempotencyKey, commentId);
        if (first) return (await this.comments.find(first, undefined, em)) as CommentRow;
      }
      const locked = await this.gate.lockForWrite(em, actor, issueId, clearedEarlier);
      const issue = await this.gate.pass(em, actor, locked);
      return this.insert(em, actor, issue, body, commentId);
    });
  }

  /** Inserts and audits a comment on an issue the caller has already passed the gate for. */
  insert(em: EntityManager, actor: Actor, issue: IssueRow, body: string, commentId: string): Promise<CommentRow> {
    return this.comments.insert(
      em,
      {
        id: commentId,
        company_id: issue.company_id,
        issue_id: issue.id,
        author_agent_id: actor.type === 'agent' ? actor.agentId : null,
        author_user_id: actor.type === 'board' ? actor.userId : null,
        created_by_run_id: actor.type === 'agent' ? actor.runId : null,
        body,
      },
      {
        companyId: issue.company_id,
        ...auditActor(actor),
        action: 'issue.comment_added',
        entityType: 'issue',
        entityId: issue.id,
        details: { commentId, bodyPreview: body.slice(0, 200) },
      },
    );
  }

  async get(issueId: string, commentId: string): Promise<CommentRow> {
    const comment = await this.comments.find(commentId, issueId);
    if (!comment) throw notFound('Comment', { issueId, commentId });
    return comment;
  }

  async list(issueId: string, filters: ListCommentsQuery): Promise<CommentRow[]> {
    if (filters.after && !(await this.comments.find(filters.after, issueId))) {
      throw new DomainError('validation_failed', 'after must be the id of a comment on this issue', {
        problems: [{ field: 'after', problems: ['must be a comment of this issue'] }],
      });
    }
    return this.comments.page(issueId, { order: filters.order ?? 'desc', limit: filters.limit ?? 100, after: filters.after });
  }
}
