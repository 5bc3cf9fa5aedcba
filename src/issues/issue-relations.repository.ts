import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { query } from '../database/sql';
import type { IssueRow } from './issue-row';

/** FROM … WHERE of the issues `b` that block the issue named by `issueRef` (SQL) and are not done. */
export const unresolvedBlockersOf = (issueRef: string) =>
  `issue_relations r JOIN issues b ON b.id = r.issue_id
    WHERE r.related_issue_id = ${issueRef} AND r.type = 'blocks' AND b.status <> 'done'`;

export interface BlockerLinks {
  blockedByIssueIds: string[];
  blocksIssueIds: string[];
}

/** `issue_relations` (type `blocks`: `issue_id` blocks `related_issue_id`). */
@Injectable()
export class IssueRelationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Issues that block `issueId` and are not done, by id. */
  async unresolvedBlockers(em: EntityManager, issueId: string): Promise<string[]> {
    const rows = await query<{ id: string }>(em, `SELECT b.id FROM ${unresolvedBlockersOf('$1')} ORDER BY b.id`, [issueId]);
    return rows.map((r) => r.id);
  }

  /** Of the given issues, those not done, by id. */
  async notDone(em: EntityManager, issueIds: string[]): Promise<string[]> {
    const rows = await query<{ id: string }>(em, `SELECT id FROM issues WHERE id = ANY($1::uuid[]) AND status <> 'done' ORDER BY id`, [issueIds]);
    return rows.map((r) => r.id);
  }

  async links(issueId: string, em: EntityManager = this.dataSource.manager): Promise<BlockerLinks> {
    const rows = await query<{ issue_id: string; related_issue_id: string }>(
      em,
      `SELECT issue_id, related_issue_id FROM issue_relations
        WHERE type = 'blocks' AND (issue_id = $1 OR related_issue_id = $1) ORDER BY created_at, id`,
      [issueId],
    );
    return {
      blockedByIssueIds: rows.filter((r) => r.related_issue_id === issueId).map((r) => r.issue_id),
      blocksIssueIds: rows.filter((r) => r.issue_id === issueId).map((r) => r.related_issue_id),
    };
  }

  /** Of `candidates`, those `issueId` already blocks, directly or transitively (a new link from them would close a cycle). */
  async blockedDownstream(em: EntityManager, issueId: string, candidates: string[]): Promise<string[]> {
    const rows = await query<{ id: string }>(
      em,
      `WITH RECURSIVE downstream(id, depth) AS (
         SELECT related_issue_id, 1 FROM issue_relations WHERE issue_id = $1 AND type = 'blocks'
         UNION
         SELECT r.related_issue_id, d.depth + 1 FROM issue_relations r JOIN downstream d ON r.issue_id = d.id
          WHERE r.type = 'blocks' AND d.depth < 1000)
       SELECT DISTINCT id FROM downstream WHERE id = ANY($2::uuid[])`,
      [issueId, candidates],
    );
    return rows.map((r) => r.id);
  }

  async blockersOf(em: EntityManager, issueId: string): Promise<string[]> {
    const rows = await query<{ issue_id: string }>(em, `SELECT issue_id FROM issue_relations WHERE related_issue_id = $1 AND type = 'blocks'`, [issueId]);
    return rows.map((r) => r.issue_id);
  }

  async removeBlockers(em: EntityManager, issueId: string, blockerIds: string[]): Promise<void> {
    await query(em, `DELETE FROM issue_relations WHERE related_issue_id = $1 AND type = 'blocks' AND issue_id = ANY($2::uuid[])`, [issueId, blockerIds]);
  }

  async addBlocker(em: EntityManager, companyId: string, blockerId: string, issueId: string, author: { agentId: string | null; userId: string | null }): Promise<void> {
    await query(
      em,
      `INSERT INTO issue_relations (company_id, issue_id, related_issue_id, type, created_by_agent_id, created_by_user_id)
       VALUES ($1, $2, $3, 'blocks', $4, $5)`,
      [companyId, blockerId, issueId, author.agentId, author.userId],
    );
  }

  /** The issues blocking `issueId` (`blockedBy`) or blocked by it (`blocks`), by number. */
  linked(issueId: string, direction: 'blockedBy' | 'blocks'): Promise<IssueRow[]> {
    const [mine, theirs] = direction === 'blockedBy' ? ['related_issue_id', 'issue_id'] : ['issue_id', 'related_issue_id'];
    return query<IssueRow>(
      this.dataSource.manager,
      `SELECT * FROM issues WHERE id IN (SELECT ${theirs} FROM issue_relations WHERE ${mine} = $1 AND type = 'blocks') ORDER BY issue_number, id`,
      [issueId],
    );
  }
}
