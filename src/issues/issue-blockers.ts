import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/domain-error';
import { query } from '../database/sql';

/** FROM … WHERE of the issues `b` that block the issue named by `issueRef` (SQL) and are not done. */
export const unresolvedBlockersOf = (issueRef: string) =>
  `issue_relations r JOIN issues b ON b.id = r.issue_id
    WHERE r.related_issue_id = ${issueRef} AND r.type = 'blocks' AND b.status <> 'done'`;

/** Issues that block `issueId` and are not done. */
export async function unresolvedBlockers(em: EntityManager, issueId: string): Promise<string[]> {
  const rows: { id: string }[] = await query(
    em,
    `SELECT b.id FROM ${unresolvedBlockersOf('$1')} ORDER BY b.id`,
    [issueId],
  );
  return rows.map((r) => r.id);
}

export async function assertNoUnresolvedBlockers(em: EntityManager, issueId: string): Promise<void> {
  const unresolved = await unresolvedBlockers(em, issueId);
  if (unresolved.length > 0) {
    throw new DomainError('blocked_by_unresolved', 'The issue has blockers that are not done', { unresolvedBlockerIssueIds: unresolved });
  }
}

export async function blockerRelations(em: EntityManager, issueId: string): Promise<{ blockedByIssueIds: string[]; blocksIssueIds: string[] }> {
  const rows: { issue_id: string; related_issue_id: string }[] = await query(
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

/**
 * Locks the given issues in id order (the global lock order for several issues) and checks they
 * exist in the company. Call before locking any of them another way.
 */
export async function lockIssuesInOrder(em: EntityManager, companyId: string, issueIds: string[]): Promise<void> {
  const ids = [...new Set(issueIds)].sort();
  const rows: { id: string; company_id: string }[] = await query(
    em,
    'SELECT id, company_id FROM issues WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
    [ids],
  );
  const found = new Map(rows.map((r) => [r.id, r.company_id]));
  const invalid = ids.filter((id) => found.get(id) !== companyId);
  if (invalid.length > 0) {
    throw new DomainError('invalid_reference', 'Blockers must be existing issues of the same company', { invalidIssueIds: invalid });
  }
}

/**
 * Replaces the set of issues blocking `issueId`. The caller holds the locks on all of them
 * (lockIssuesInOrder), so two concurrent changes cannot build a cycle between them.
 */
export async function replaceBlockers(
  em: EntityManager,
  companyId: string,
  issueId: string,
  blockerIds: string[],
  author: { agentId: string | null; userId: string | null },
): Promise<{ added: string[]; removed: string[] }> {
  const wanted = [...new Set(blockerIds)];
  if (wanted.includes(issueId)) throw new DomainError('blocker_cycle', 'An issue cannot block itself', { issueId });
  if (wanted.length > 0) {
    // A cycle appears if `issueId` already (transitively) blocks one of the wanted blockers.
    const cycle: { id: string }[] = await query(
      em,
      `WITH RECURSIVE downstream(id, depth) AS (
         SELECT related_issue_id, 1 FROM issue_relations WHERE issue_id = $1 AND type = 'blocks'
         UNION
         SELECT r.related_issue_id, d.depth + 1 FROM issue_relations r JOIN downstream d ON r.issue_id = d.id
          WHERE r.type = 'blocks' AND d.depth < 1000)
       SELECT DISTINCT id FROM downstream WHERE id = ANY($2::uuid[])`,
      [issueId, wanted],
    );
    if (cycle.length > 0) {
      throw new DomainError('blocker_cycle', 'These blockers would make a cycle', { issueId, cycleThrough: cycle.map((c) => c.id) });
    }
  }
  const existing: { issue_id: string }[] = await query(
    em,
    `SELECT issue_id FROM issue_relations WHERE related_issue_id = $1 AND type = 'blocks'`,
    [issueId],
  );
  const current = existing.map((r) => r.issue_id);
  const removed = current.filter((id) => !wanted.includes(id));
  const added = wanted.filter((id) => !current.includes(id));
  if (removed.length > 0) {
    await query(em, `DELETE FROM issue_relations WHERE related_issue_id = $1 AND type = 'blocks' AND issue_id = ANY($2::uuid[])`, [issueId, removed]);
  }
  for (const blocker of added) {
    await query(
      em,
      `INSERT INTO issue_relations (company_id, issue_id, related_issue_id, type, created_by_agent_id, created_by_user_id)
       VALUES ($1, $2, $3, 'blocks', $4, $5)`,
      [companyId, blocker, issueId, author.agentId, author.userId],
    );
  }
  return { added, removed };
}
