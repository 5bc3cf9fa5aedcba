import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { auditActor, auditInsert } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { DomainError, notFound } from '../common/domain-error';
import { query } from '../database/sql';
import { TransactionRunner } from '../database/transaction-runner';
import type { ClearedLocks } from '../locks/stale-lock.service';
import { ListCommentsQuery } from './dto/comment.dto';
import { claimIdempotencyKey } from '../common/idempotency';
import { CommentRow } from './issue-response';
import type { IssueRow } from './issue-row';
import { OwnershipGateService } from './ownership/ownership-gate.service';

@Injectable()
export class CommentsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly gate: OwnershipGateService,
  ) {}

  /** POST comments: gated like PATCH, idempotent under an Idempotency-Key. */
  async create(actor: Actor, issueId: string, body: string, idempotencyKey: string | null, clearedEarlier: ClearedLocks | null): Promise<CommentRow> {
    const commentId = randomUUID();
    return this.tx.run(async (em) => {
      if (idempotencyKey) {
        const first = await claimIdempotencyKey(em, actor, `comment.create:${issueId}`, idempotencyKey, commentId);
        if (first) {
          const [replayed]: CommentRow[] = await query(em, 'SELECT * FROM issue_comments WHERE id = $1', [first]);
          return replayed;
        }
      }
      const locked = await this.gate.lockForWrite(em, actor, issueId, clearedEarlier);
      const issue = await this.gate.pass(em, actor, locked);
      return this.insert(em, actor, issue, body, commentId);
    });
  }

  /**
   * Inserts and audits a comment (one statement) on an issue the caller has already passed the
   * gate for.
   */
  async insert(em: EntityManager, actor: Actor, issue: IssueRow, body: string, commentId: string): Promise<CommentRow> {
    const params: unknown[] = [
      commentId,
      issue.company_id,
      issue.id,
      actor.type === 'agent' ? actor.agentId : null,
      actor.type === 'board' ? actor.userId : null,
      actor.type === 'agent' ? actor.runId : null,
      body,
    ];
    const audit = auditInsert(
      {
        companyId: issue.company_id,
        ...auditActor(actor),
        action: 'issue.comment_added',
        entityType: 'issue',
        entityId: issue.id,
        details: { commentId, bodyPreview: body.slice(0, 200) },
      },
      params.length + 1,
    );
    const [comment] = await query<CommentRow>(
      em,
      `WITH inserted AS (
         INSERT INTO issue_comments (id, company_id, issue_id, author_agent_id, author_user_id, created_by_run_id, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *
       ), audited AS (${audit.sql})
       SELECT * FROM inserted`,
      [...params, ...audit.params],
    );
    return comment;
  }

  async get(issueId: string, commentId: string): Promise<CommentRow> {
    const [comment] = await query<CommentRow>(this.dataSource.manager, 'SELECT * FROM issue_comments WHERE id = $1 AND issue_id = $2', [commentId, issueId]);
    if (!comment) throw notFound('Comment', { issueId, commentId });
    return comment;
  }

  async list(issueId: string, filters: ListCommentsQuery): Promise<CommentRow[]> {
    const descending = (filters.order ?? 'desc') === 'desc';
    const params: unknown[] = [issueId, filters.limit ?? 100];
    let cursor = '';
    if (filters.after) {
      const [anchor]: unknown[] = await query(this.dataSource.manager, 'SELECT 1 FROM issue_comments WHERE id = $1 AND issue_id = $2', [filters.after, issueId]);
      if (!anchor) {
        throw new DomainError('validation_failed', 'after must be the id of a comment on this issue', {
          problems: [{ field: 'after', problems: ['must be a comment of this issue'] }],
        });
      }
      params.push(filters.after);
      cursor = `AND (created_at, id) ${descending ? '<' : '>'} (SELECT created_at, id FROM issue_comments WHERE id = $3)`;
    }
    const direction = descending ? 'DESC' : 'ASC';
    return query(
      this.dataSource.manager,
      `SELECT * FROM issue_comments WHERE issue_id = $1 ${cursor} ORDER BY created_at ${direction}, id ${direction} LIMIT $2`,
      params,
    );
  }
}
