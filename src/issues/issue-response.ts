import { iso } from '../common/timestamps';
import type { CommentResponse } from './dto/comment.dto';
import type { IssueResponse } from './dto/issue.dto';
import type { IssueRow } from './issue-row';

export interface CommentRow {
  id: string;
  company_id: string;
  issue_id: string;
  author_agent_id: string | null;
  author_user_id: string | null;
  created_by_run_id: string | null;
  body: string;
  created_at: Date;
  updated_at: Date;
}

export function toIssueResponse(row: IssueRow, relations?: { blockedByIssueIds: string[]; blocksIssueIds: string[] }): IssueResponse {
  const response: IssueResponse = {
    id: row.id,
    companyId: row.company_id,
    identifier: row.identifier,
    issueNumber: row.issue_number,
    parentId: row.parent_id,
    title: row.title,
    description: row.description,
    status: row.status,
    priority: row.priority,
    assigneeAgentId: row.assignee_agent_id,
    assigneeUserId: row.assignee_user_id,
    checkoutRunId: row.checkout_run_id,
    executionRunId: row.execution_run_id,
    executionAgentNameKey: row.execution_agent_name_key,
    executionLockedAt: iso(row.execution_locked_at),
    createdByAgentId: row.created_by_agent_id,
    createdByUserId: row.created_by_user_id,
    startedAt: iso(row.started_at),
    completedAt: iso(row.completed_at),
    cancelledAt: iso(row.cancelled_at),
    hiddenAt: iso(row.hidden_at),
    projectId: row.project_id,
    goalId: row.goal_id,
    billingCode: row.billing_code,
    requestDepth: row.request_depth,
    workMode: row.work_mode,
    createdAt: iso(row.created_at) as string,
    updatedAt: iso(row.updated_at) as string,
  };
  if (relations) Object.assign(response, relations);
  return response;
}

export function toCommentResponse(row: CommentRow): CommentResponse {
  return {
    id: row.id,
    companyId: row.company_id,
    issueId: row.issue_id,
    authorAgentId: row.author_agent_id,
    authorUserId: row.author_user_id,
    authorType: row.author_agent_id ? 'agent' : 'user',
    createdByRunId: row.created_by_run_id,
    body: row.body,
    createdAt: iso(row.created_at) as string,
    updatedAt: iso(row.updated_at) as string,
  };
}
