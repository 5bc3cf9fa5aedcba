import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditEntry, auditInsert } from '../audit/audit.repository';
import { query } from '../database/sql';
import type { CommentRow } from './issue-response';

export interface NewComment {
  id: string;
  company_id: string;
  issue_id: string;
  author_agent_id: string | null;
  author_user_id: string | null;
  created_by_run_id: string | null;
  body: string;
}

export interface CommentPage {
  order: 'asc' | 'desc';
  limit: number;
  /** Keyset cursor: comments after this one in `order`. */
  after?: string;
}

export interface CommentCursorRow {
  total: number;
  latest_id: string | null;
  latest_at: Date | null;
}

/** `issue_comments`. */
@Injectable()
export class CommentsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts the comment and its audit row in one statement: atomic, one round trip. */
  async insert(em: EntityManager, comment: NewComment, audit: AuditEntry): Promise<CommentRow> {
    const params: unknown[] = [comment.id, comment.company_id, comment.issue_id, comment.author_agent_id, comment.author_user_id, comment.created_by_run_id, comment.body];
    const audited = auditInsert(audit, params.length + 1);
    const [row] = await query<CommentRow>(
      em,
      `WITH inserted AS (
         INSERT INTO issue_comments (id, company_id, issue_id, author_agent_id, author_user_id, created_by_run_id, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *
       ), audited AS (${audited.sql})
       SELECT * FROM inserted`,
      [...params, ...audited.params],
    );
    return row;
  }

  async find(commentId: string, issueId?: string, em: EntityManager = this.dataSource.manager): Promise<CommentRow | undefined> {
    const [row] = await query<CommentRow>(em, 'SELECT * FROM issue_comments WHERE id = $1 AND ($2::uuid IS NULL OR issue_id = $2)', [commentId, issueId ?? null]);
    return row;
  }

  page(issueId: string, { order, limit, after }: CommentPage): Promise<CommentRow[]> {
    const direction = order === 'desc' ? 'DESC' : 'ASC';
    const cursor = after ? `AND (created_at, id) ${order === 'desc' ? '<' : '>'} (SELECT created_at, id FROM issue_comments WHERE id = $3)` : '';
    return query<CommentRow>(
      this.dataSource.manager,
      `SELECT * FROM issue_comments WHERE issue_id = $1 ${cursor} ORDER BY created_at ${direction}, id ${direction} LIMIT $2`,
      after ? [issueId, limit, after] : [issueId, limit],
    );
  }

  /** How many comments the issue has, and its latest. */
  async cursor(issueId: string): Promise<CommentCursorRow> {
    const [row] = await query<CommentCursorRow>(
      this.dataSource.manager,
      `SELECT (SELECT count(*)::int FROM issue_comments WHERE issue_id = $1) AS total, latest.id AS latest_id, latest.created_at AS latest_at
         FROM (SELECT 1) one
         LEFT JOIN LATERAL (SELECT id, created_at FROM issue_comments WHERE issue_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1) latest ON true`,
      [issueId],
    );
    return row;
  }
}
