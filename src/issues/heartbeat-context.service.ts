import { Injectable } from '@nestjs/common';
import type { Actor } from '../auth/actor';
import { iso } from '../common/timestamps';
import { RunQueriesService } from '../runs/run-queries.service';
import { MAX_REPORTING_DEPTH } from '../agents/agents.service';
import type { CommentCursor, ContextRun, HeartbeatContextResponse, IssueSummary } from './dto/heartbeat-context.dto';
import { CommentsRepository } from './comments.repository';
import { IssueRelationsRepository } from './issue-relations.repository';
import type { IssueRow } from './issue-row';
import { IssuesRepository } from './issues.repository';

function toSummary(row: IssueRow): IssueSummary {
  return {
    id: row.id,
    identifier: row.identifier,
    title: row.title,
    description: row.description,
    status: row.status,
    priority: row.priority,
    assigneeAgentId: row.assignee_agent_id,
    assigneeUserId: row.assignee_user_id,
    projectId: row.project_id,
    goalId: row.goal_id,
  };
}

/** What an agent reads right after checkout (Paperclip's heartbeat-context), in one place. */
@Injectable()
export class HeartbeatContextService {
  constructor(
    private readonly issues: IssuesRepository,
    private readonly relations: IssueRelationsRepository,
    private readonly comments: CommentsRepository,
    private readonly runs: RunQueriesService,
  ) {}

  async build(actor: Actor, issueId: string): Promise<HeartbeatContextResponse> {
    const [issue, ancestors, blockedBy, blocks, cursor, run] = await Promise.all([
      this.issues.read(issueId),
      this.issues.ancestors(issueId, MAX_REPORTING_DEPTH),
      this.relations.linked(issueId, 'blockedBy'),
      this.relations.linked(issueId, 'blocks'),
      this.commentCursor(issueId),
      this.callerRun(actor),
    ]);
    return {
      issue: {
        id: issue.id,
        identifier: issue.identifier,
        title: issue.title,
        description: issue.description,
        status: issue.status,
        workMode: issue.work_mode,
        priority: issue.priority,
        projectId: issue.project_id,
        goalId: issue.goal_id,
        parentId: issue.parent_id,
        blockedBy: blockedBy.map(toSummary),
        blocks: blocks.map(toSummary),
        assigneeAgentId: issue.assignee_agent_id,
        assigneeUserId: issue.assignee_user_id,
        updatedAt: iso(issue.updated_at) as string,
      },
      ancestors: ancestors.map(toSummary),
      commentCursor: cursor,
      wakeComment: null,
      run,
    };
  }

  private async commentCursor(issueId: string): Promise<CommentCursor> {
    const row = await this.comments.cursor(issueId);
    return { totalComments: row.total, latestCommentId: row.latest_id, latestCommentAt: iso(row.latest_at) };
  }

  /** Only the caller's own run: a run id naming another agent's run tells this agent nothing. */
  private async callerRun(actor: Actor): Promise<ContextRun | null> {
    if (actor.type !== 'agent' || !actor.runId) return null;
    const run = await this.runs.find(actor.runId);
    if (!run || run.agent_id !== actor.agentId) return null;
    return {
      id: run.id,
      status: run.status,
      invocationSource: run.invocation_source,
      triggerDetail: run.trigger_detail,
      issueId: run.issue_id,
      startedAt: iso(run.started_at),
      leaseExpiresAt: iso(run.lease_expires_at),
    };
  }
}
