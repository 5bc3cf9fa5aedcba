import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor';
import { iso } from '../common/timestamps';
import { query } from '../database/sql';
import { RunQueriesService } from '../runs/run-queries.service';
import { MAX_REPORTING_DEPTH } from '../agents/agents.service';
import type { CommentCursor, ContextRun, HeartbeatContextResponse, IssueSummary } from './dto/heartbeat-context.dto';
import { IssueRow, readIssue } from './issue-row';

const SUMMARY_COLUMNS = 'id, identifier, title, description, status, priority, assignee_agent_id, assignee_user_id, project_id, goal_id';

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
    private readonly dataSource: DataSource,
    private readonly runs: RunQueriesService,
  ) {}

  async build(actor: Actor, issueId: string): Promise<HeartbeatContextResponse> {
    const em = this.dataSource.manager;
    const [issue, ancestors, blockedBy, blocks, cursor, run] = await Promise.all([
      readIssue(em, issueId),
      query<IssueRow>(
        em,
        `WITH RECURSIVE up(id, parent_id, depth) AS (
           SELECT p.id, p.parent_id, 1 FROM issues p JOIN issues i ON i.parent_id = p.id WHERE i.id = $1
           UNION ALL
           SELECT p.id, p.parent_id, up.depth + 1 FROM issues p JOIN up ON p.id = up.parent_id WHERE up.depth < $2)
         SELECT ${SUMMARY_COLUMNS.split(', ').map((c) => `i.${c}`).join(', ')} FROM up JOIN issues i ON i.id = up.id ORDER BY up.depth`,
        [issueId, MAX_REPORTING_DEPTH],
      ),
      query<IssueRow>(
        em,
        `SELECT ${SUMMARY_COLUMNS} FROM issues WHERE id IN (SELECT issue_id FROM issue_relations WHERE related_issue_id = $1 AND type = 'blocks') ORDER BY issue_number, id`,
        [issueId],
      ),
      query<IssueRow>(
        em,
        `SELECT ${SUMMARY_COLUMNS} FROM issues WHERE id IN (SELECT related_issue_id FROM issue_relations WHERE issue_id = $1 AND type = 'blocks') ORDER BY issue_number, id`,
        [issueId],
      ),
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
    const [row] = await query<{ total: number; latest_id: string | null; latest_at: Date | null }>(
      this.dataSource.manager,
      `SELECT (SELECT count(*)::int FROM issue_comments WHERE issue_id = $1) AS total, latest.id AS latest_id, latest.created_at AS latest_at
         FROM (SELECT 1) one
         LEFT JOIN LATERAL (SELECT id, created_at FROM issue_comments WHERE issue_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1) latest ON true`,
      [issueId],
    );
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
