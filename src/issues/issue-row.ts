import type { EntityManager } from 'typeorm';
import { notFound } from '../common/domain-error';
import { AuditEntry, auditInsert } from '../audit/audit.service';
import { query, queryInOrder, Statement } from '../database/sql';
import { LockedRuns, lockedRuns, lockRunsOfIssueStatement } from '../locks/lock-holders';
import { unresolvedBlockersOf } from './issue-blockers';
import type { IssuePriority, IssueStatus } from './issue.entity';
import { DB_NOW } from '../ownership/policy-types';

/** An `issues` row as PostgreSQL returns it. The issue routes work on rows, not entities, to keep each statement explicit. */
export interface IssueRow {
  id: string;
  company_id: string;
  parent_id: string | null;
  title: string;
  description: string | null;
  status: IssueStatus;
  priority: IssuePriority;
  assignee_agent_id: string | null;
  assignee_user_id: string | null;
  checkout_run_id: string | null;
  execution_run_id: string | null;
  execution_agent_name_key: string | null;
  execution_locked_at: Date | null;
  created_by_agent_id: string | null;
  created_by_user_id: string | null;
  issue_number: number | null;
  identifier: string | null;
  started_at: Date | null;
  completed_at: Date | null;
  cancelled_at: Date | null;
  hidden_at: Date | null;
  billing_code: string | null;
  request_depth: number | null;
  work_mode: string | null;
  project_id: string | null;
  goal_id: string | null;
  created_at: Date;
  updated_at: Date;
  /** Only on rows from lockIssue: whether any issue blocking this one is not done. */
  has_unresolved_blockers?: boolean;
}

export type IssueChanges = Partial<Omit<IssueRow, 'id' | 'company_id' | 'created_at' | 'updated_at'>>;

const WRITABLE_COLUMNS = new Set<string>([
  'parent_id', 'title', 'description', 'status', 'priority', 'assignee_agent_id', 'assignee_user_id', 'checkout_run_id',
  'execution_run_id', 'execution_agent_name_key', 'execution_locked_at', 'started_at', 'completed_at', 'cancelled_at', 'hidden_at',
  'billing_code', 'request_depth', 'work_mode', 'project_id', 'goal_id',
]);


export const NO_LOCKS: IssueChanges = {
  checkout_run_id: null,
  execution_run_id: null,
  execution_agent_name_key: null,
  execution_locked_at: null,
};

/**
 * Locks the bare issue row (no joins: FOR UPDATE OF i) for the rest of the transaction, and says
 * in the same statement whether unresolved blockers exist (checkout needs it; it saves a round trip).
 */
function lockIssueStatement(issueId: string): Statement {
  return {
    text: `SELECT i.*, EXISTS (SELECT 1 FROM ${unresolvedBlockersOf('i.id')}) AS has_unresolved_blockers
             FROM issues i WHERE i.id = $1 FOR UPDATE OF i`,
    values: [issueId],
  };
}

export async function lockIssue(em: EntityManager, issueId: string): Promise<IssueRow> {
  const { text, values } = lockIssueStatement(issueId);
  const [row] = await query<IssueRow>(em, text, values);
  if (!row) throw notFound('Issue', { id: issueId });
  return row;
}

/** lockIssue, then lockRunsOfIssueStatement — in that lock order, in one round trip. */
export async function lockIssueAndRuns(
  em: EntityManager,
  issueId: string,
  callerRunId: string | null,
  leaseSeconds: number,
): Promise<{ issue: IssueRow; runs: LockedRuns }> {
  const [[issue], runRows] = await queryInOrder(em, [lockIssueStatement(issueId), lockRunsOfIssueStatement(issueId, callerRunId, leaseSeconds)]);
  if (!issue) throw notFound('Issue', { id: issueId });
  return { issue: issue as IssueRow, runs: lockedRuns(runRows) };
}

export async function readIssue(em: EntityManager, issueId: string): Promise<IssueRow> {
  const [row] = await query<IssueRow>(em, 'SELECT * FROM issues WHERE id = $1', [issueId]);
  if (!row) throw notFound('Issue', { id: issueId });
  return row;
}

/**
 * One UPDATE … RETURNING for the changed columns (`DB_NOW` stands for the database clock). With
 * `audit`, the audit row is inserted by the same statement: atomic with the change, one round trip.
 */
export async function updateIssue(
  em: EntityManager,
  issueId: string,
  changes: IssueChanges,
  audit?: AuditEntry,
): Promise<IssueRow> {
  const sets: string[] = [];
  const params: unknown[] = [issueId];
  for (const [column, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    if (!WRITABLE_COLUMNS.has(column)) throw new Error(`issues.${column} is not writable`);
    if (value === DB_NOW) {
      sets.push(`${column} = now()`);
    } else {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    }
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

/** The changes that give the issue's locks to `runId` (or leave it unowned when runId is null). */
export function locksFor(runId: string | null, agentName: string | null): IssueChanges {
  if (!runId) return { ...NO_LOCKS };
  return {
    checkout_run_id: runId,
    execution_run_id: runId,
    execution_agent_name_key: agentName ? agentName.toLowerCase() : null,
    execution_locked_at: DB_NOW,
  };
}
