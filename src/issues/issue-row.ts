import type { LockPlan } from '../ownership/locks-after-change.policy';
import { DB_NOW } from '../ownership/policy-types';
import type { IssuePriority, IssueStatus } from './issue.entity';

/**
 * An `issues` row as PostgreSQL returns it (`SELECT *`); test/database checks it names every column
 * of the table. The issue routes work on rows, not entities, to keep each statement explicit.
 */
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
  /** Only on rows from IssuesRepository.lock: whether any issue blocking this one is not done. */
  has_unresolved_blockers?: boolean;
}

export type IssueChanges = Partial<Omit<IssueRow, 'id' | 'company_id' | 'created_at' | 'updated_at'>>;

/** A new row: every column the INSERT names (DB_NOW for the database clock). */
export type NewIssueRow = Omit<IssueRow, 'created_at' | 'updated_at' | 'has_unresolved_blockers'>;

export const WRITABLE_COLUMNS = new Set<string>([
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

/** The column changes of a lock plan (ownership policy §2): keep, clear, or take for a run (null: unowned). */
export function lockChanges(plan: LockPlan, agentName: string | null): IssueChanges {
  if (plan.kind === 'keep') return {};
  return plan.kind === 'clear' ? { ...NO_LOCKS } : locksFor(plan.runId, agentName);
}
