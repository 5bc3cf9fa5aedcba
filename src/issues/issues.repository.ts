import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditEntry, auditInsert } from '../audit/audit.repository';
import { notFound } from '../common/domain-error';
import { BuiltStatement } from '../database/built-statement';
import { query, queryInOrder, queryPlannedPerCall } from '../database/sql';
import { IssueLocksRepository, lockedRuns } from '../locks/issue-locks.repository';
import type { LockedRuns } from '../locks/lock-holders';
import { DB_NOW } from '../ownership/policy-types';
import { IssueChanges, IssueRow, NewIssueRow, WRITABLE_COLUMNS } from './issue-row';
import type { IssueListCursor } from './issue-list-cursor';
import { unresolvedBlockersOf } from './issue-relations.repository';

/** The list order's first key, exactly as the list indexes spell it (migrations/1796185352768-IssueListIndexes.ts). */
const PRIORITY_RANK = `(CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END)`;
const LIST_ORDER = `${PRIORITY_RANK}, updated_at DESC, id`;

/**
 * The bare issue row under `pessimistic_write` (FOR UPDATE OF i: no join is locked), saying in the
 * same statement whether unresolved blockers exist (checkout needs it; it saves a round trip).
 */
const LOCK_ISSUE = (ds: DataSource) =>
  ds
    .createQueryBuilder()
    .select('i.*')
    .addSelect(`EXISTS (SELECT 1 FROM ${unresolvedBlockersOf('i.id')})`, 'has_unresolved_blockers')
    .from('issues', 'i')
    .where('i.id = :issueId')
    .setLock('pessimistic_write', undefined, ['i']);

/** Several issues under `pessimistic_write`, in id order: the global lock order for several issues. */
const LOCK_ISSUES_IN_ORDER = (ds: DataSource) =>
  ds.createQueryBuilder().select('i.id', 'id').addSelect('i.company_id', 'company_id').from('issues', 'i').where('i.id = ANY(:ids::uuid[])').orderBy('i.id').setLock('pessimistic_write');

export interface IssueListFilter {
  status?: string[];
  assigneeAgentId?: string;
  parentId?: string;
  q?: string;
  /** Keyset position: the issues after this one in the list order. */
  after?: IssueListCursor;
  limit: number;
  offset: number;
}

/** A list row carries its sort keys, as PostgreSQL prints them, for the next page's cursor. */
export interface IssueListRow extends IssueRow {
  list_rank: number;
  list_updated_at: string;
}

/** Renders a column's value: DB_NOW is the database clock, anything else a parameter. */
function valueSql(value: unknown, params: unknown[]): string {
  if (value === DB_NOW) return 'now()';
  params.push(value);
  return `$${params.length}`;
}

/** The `issues` table: row locks, reads, the one UPDATE and the one INSERT. */
@Injectable()
export class IssuesRepository {
  private readonly lockIssueStatement = new BuiltStatement<{ issueId: string }>(() => LOCK_ISSUE(this.dataSource));
  private readonly lockIssuesInOrderStatement = new BuiltStatement<{ ids: string[] }>(() => LOCK_ISSUES_IN_ORDER(this.dataSource));

  constructor(
    private readonly dataSource: DataSource,
    private readonly locks: IssueLocksRepository,
  ) {}

  async lock(em: EntityManager, issueId: string): Promise<IssueRow> {
    const { text, values } = this.lockIssueStatement.statement({ issueId });
    const [row] = await query<IssueRow>(em, text, values);
    if (!row) throw notFound('Issue', { id: issueId });
    return row;
  }

  /** lock(), then the holder runs and the caller's run FOR SHARE — in that lock order, in one round trip. */
  async lockWithRuns(em: EntityManager, issueId: string, callerRunId: string | null): Promise<{ issue: IssueRow; runs: LockedRuns }> {
    const [[issue], runRows] = await queryInOrder(em, [this.lockIssueStatement.statement({ issueId }), this.locks.lockRunsOfIssue(issueId, callerRunId)]);
    if (!issue) throw notFound('Issue', { id: issueId });
    return { issue: issue as IssueRow, runs: lockedRuns(runRows) };
  }

  /** Locks issues in id order; answers id → company of those that exist. */
  async lockInOrder(em: EntityManager, issueIds: string[]): Promise<Map<string, string>> {
    const { text, values } = this.lockIssuesInOrderStatement.statement({ ids: [...new Set(issueIds)].sort() });
    const rows = await query<{ id: string; company_id: string }>(em, text, values);
    return new Map(rows.map((r) => [r.id, r.company_id]));
  }

  async read(issueId: string, em: EntityManager = this.dataSource.manager): Promise<IssueRow> {
    const [row] = await query<IssueRow>(em, 'SELECT * FROM issues WHERE id = $1', [issueId]);
    if (!row) throw notFound('Issue', { id: issueId });
    return row;
  }

  /**
   * One UPDATE … RETURNING for the changed columns (`DB_NOW` stands for the database clock). With
   * `audit`, the audit row is inserted by the same statement: atomic with the change, one round trip.
   */
  async update(em: EntityManager, issueId: string, changes: IssueChanges, audit?: AuditEntry): Promise<IssueRow> {
    const sets: string[] = [];
    const params: unknown[] = [issueId];
    for (const [column, value] of Object.entries(changes)) {
      if (value === undefined) continue;
      if (!WRITABLE_COLUMNS.has(column)) throw new Error(`issues.${column} is not writable`);
      sets.push(`${column} = ${valueSql(value, params)}`);
    }
    sets.push('updated_at = now()');
    let sql = `UPDATE issues SET ${sets.join(', ')} WHERE id = $1 RETURNING *`;
    if (audit) {
      const insert = auditInsert(audit, params.length + 1);
      params.push(...insert.params);
      sql = `WITH updated AS (${sql}), audited AS (${insert.sql}) SELECT * FROM updated`;
    }
    const [row] = await query<IssueRow>(em, sql, params);
    return row;
  }

  /** Inserts a new issue row (`DB_NOW` values take the database clock). */
  async insert(em: EntityManager, row: NewIssueRow): Promise<void> {
    const params: unknown[] = [];
    const columns = Object.keys(row);
    const values = Object.values(row).map((value) => valueSql(value ?? null, params));
    await query(em, `INSERT INTO issues (${columns.join(', ')}) VALUES (${values.join(', ')})`, params);
  }

  /** Takes the company's next issue number: the company row is the first lock of a create. */
  async allocateNumber(em: EntityManager, companyId: string): Promise<{ issueNumber: number; identifier: string }> {
    const [company] = await query<{ issue_counter: number; issue_prefix: string }>(
      em,
      'UPDATE companies SET issue_counter = issue_counter + 1 WHERE id = $1 RETURNING issue_counter, issue_prefix',
      [companyId],
    );
    if (!company) throw notFound('Company', { companyId });
    return { issueNumber: company.issue_counter, identifier: `${company.issue_prefix}-${company.issue_counter}` };
  }

  /**
   * Visible issues of a company: priority, then most recently updated, then id — the order of the
   * issues_company_*_order_idx indexes, which serve it without a sort. After a cursor, the rest of
   * the order is three ranges of those indexes (same rank and updated_at with a greater id; same
   * rank and older; a lower priority), each read in index order up to the page's end and merged
   * (a row-value comparison cannot express "updated_at desc, id asc").
   */
  list(companyId: string, filter: IssueListFilter): Promise<IssueListRow[]> {
    const params: unknown[] = [companyId];
    const where = ['company_id = $1', 'hidden_at IS NULL'];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (filter.status?.length) where.push(`status = ANY(${param(filter.status)}::text[])`);
    if (filter.assigneeAgentId) where.push(`assignee_agent_id = ${param(filter.assigneeAgentId)}`);
    if (filter.parentId) where.push(`parent_id = ${param(filter.parentId)}`);
    if (filter.q) {
      const pattern = param(`%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`(title ILIKE ${pattern} OR identifier ILIKE ${pattern} OR description ILIKE ${pattern})`);
    }
    const [limit, offset] = [param(filter.limit), param(filter.offset)];
    const select = (extra: string[]) =>
      `SELECT *, ${PRIORITY_RANK} AS list_rank, updated_at::text AS list_updated_at FROM issues WHERE ${[...where, ...extra].join(' AND ')} ORDER BY ${LIST_ORDER}`;
    let sql = `${select([])} LIMIT ${limit} OFFSET ${offset}`;
    if (filter.after) {
      const [rank, updatedAt, id] = [param(filter.after.rank), param(filter.after.updatedAt), param(filter.after.id)];
      const ranges = [
        [`${PRIORITY_RANK} = ${rank}::int`, `updated_at = ${updatedAt}::timestamptz`, `id > ${id}::uuid`],
        [`${PRIORITY_RANK} = ${rank}::int`, `updated_at < ${updatedAt}::timestamptz`],
        [`${PRIORITY_RANK} > ${rank}::int`],
      ];
      const reads = ranges.map((range) => `(${select(range)} LIMIT ${limit}::bigint + ${offset}::bigint)`);
      sql = `SELECT * FROM (${reads.join(' UNION ALL ')}) page ORDER BY list_rank, updated_at DESC, id LIMIT ${limit} OFFSET ${offset}`;
    }
    return (filter.q ? queryPlannedPerCall : query)<IssueListRow>(this.dataSource.manager, sql, params);
  }

  /** `issueId` and its ancestors, nearest first (bounded depth): for parent checks and cycles. */
  ancestry(em: EntityManager, issueId: string, maxDepth: number): Promise<{ id: string; company_id: string }[]> {
    return query(
      em,
      `WITH RECURSIVE ancestors(id, parent_id, company_id, depth) AS (
         SELECT id, parent_id, company_id, 0 FROM issues WHERE id = $1
         UNION ALL
         SELECT i.id, i.parent_id, i.company_id, a.depth + 1 FROM issues i JOIN ancestors a ON i.id = a.parent_id WHERE a.depth < $2)
       SELECT id, company_id FROM ancestors ORDER BY depth`,
      [issueId, maxDepth],
    );
  }

  /** The ancestors of an issue (not itself), nearest first. */
  ancestors(issueId: string, maxDepth: number): Promise<IssueRow[]> {
    return query<IssueRow>(
      this.dataSource.manager,
      `WITH RECURSIVE up(id, parent_id, depth) AS (
         SELECT p.id, p.parent_id, 1 FROM issues p JOIN issues i ON i.parent_id = p.id WHERE i.id = $1
         UNION ALL
         SELECT p.id, p.parent_id, up.depth + 1 FROM issues p JOIN up ON p.id = up.parent_id WHERE up.depth < $2)
       SELECT i.* FROM up JOIN issues i ON i.id = up.id ORDER BY up.depth`,
      [issueId, maxDepth],
    );
  }
}
