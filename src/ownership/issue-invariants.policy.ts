import { DomainError } from '../common/domain-error';
import type { IssueChanges } from '../issues/issue-row';
import type { IssueStatus } from '../issues/issue.entity';
import { DB_NOW } from './policy-types';

/** §2 invariants on every write, and the transitions an agent may make (a board user may make any). */

/** Transitions an agent may make (ownership.md §2). */
export const AGENT_TRANSITIONS: Record<IssueStatus, readonly IssueStatus[]> = {
  backlog: ['todo', 'cancelled'],
  todo: ['in_progress', 'blocked', 'cancelled'],
  in_progress: ['todo', 'in_review', 'blocked', 'done', 'cancelled'],
  in_review: ['in_progress', 'done', 'cancelled'],
  blocked: ['todo', 'in_progress', 'cancelled'],
  done: [],
  cancelled: [],
};

export function assertAgentTransition(from: IssueStatus, to: IssueStatus): void {
  if (from === to) return;
  const allowed = AGENT_TRANSITIONS[from];
  if (!allowed.includes(to)) {
    throw new DomainError('illegal_transition', `An agent cannot move an issue from ${from} to ${to}`, { from, to, allowed });
  }
}

const STATUS_TIMESTAMP: Partial<Record<IssueStatus, 'started_at' | 'completed_at' | 'cancelled_at'>> = {
  in_progress: 'started_at',
  done: 'completed_at',
  cancelled: 'cancelled_at',
};

/** Entering in_progress/done/cancelled stamps its column; leaving one nulls it. */
export function statusTimestamps(from: IssueStatus | null, to: IssueStatus): IssueChanges {
  if (from === to) return {};
  const changes: IssueChanges = {};
  const leaving = from ? STATUS_TIMESTAMP[from] : undefined;
  const entering = STATUS_TIMESTAMP[to];
  if (leaving) changes[leaving] = null;
  if (entering) changes[entering] = DB_NOW;
  return changes;
}

export function assertSingleAssignee(agentId: string | null, userId: string | null): void {
  if (agentId && userId) {
    throw new DomainError('single_assignee', 'An issue has at most one assignee: an agent or a user', { assigneeAgentId: agentId, assigneeUserId: userId });
  }
}

export function assertInProgressHasAgent(status: IssueStatus, agentId: string | null): void {
  if (status === 'in_progress' && !agentId) {
    throw new DomainError('in_progress_requires_assignee', 'An in_progress issue needs an agent assignee');
  }
}
