import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { AgentOnly } from '../auth/access.decorator';
import { ApiRoute } from '../docs/api-route.decorator';
import type { AgentActor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import { iso } from '../common/timestamps';
import { LiveRunsService } from '../runs/live-runs.service';
import type { RunRow } from '../runs/run-rows';
import { IssueResponse } from './dto/issue.dto';
import { toIssueResponse } from './issue-response';
import { IssuesService } from './issues.service';

const INBOX_STATUSES = ['todo', 'in_progress', 'in_review', 'blocked'] as const;

export class InboxActiveRun {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['queued', 'running'] }) status: string;
  @ApiProperty({ format: 'uuid' }) agentId: string;
  @ApiProperty() invocationSource: string;
  @ApiProperty({ nullable: true, type: String }) triggerDetail: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) startedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finishedAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class InboxItem extends IssueResponse {
  @ApiProperty({ type: InboxActiveRun, nullable: true, description: 'The queued or running run working on the issue' })
  activeRun: InboxActiveRun | null;
}

function toActiveRun(run: RunRow | undefined): InboxActiveRun | null {
  if (!run) return null;
  return {
    id: run.id,
    status: run.status,
    agentId: run.agent_id,
    invocationSource: run.invocation_source,
    triggerDetail: run.trigger_detail,
    startedAt: iso(run.started_at),
    finishedAt: iso(run.finished_at),
    createdAt: iso(run.created_at) as string,
  };
}

@ApiTags('agents')
@Controller('agents/me')
export class InboxController {
  constructor(
    private readonly issues: IssuesService,
    private readonly liveRuns: LiveRunsService,
  ) {}

  @Get('inbox-lite')
  @AgentOnly()
  @ApiRoute({
    summary: "The calling agent's inbox",
    description: 'Issues assigned to the calling agent in todo, in_progress, in_review or blocked, each with the run working on it (or null).',
  })
  @ApiOkResponse({ type: [InboxItem], description: 'Issues assigned to the calling agent in todo, in_progress, in_review or blocked' })
  async inbox(@CurrentActor() actor: AgentActor): Promise<InboxItem[]> {
    const rows = await this.issues.list(actor.companyId, { status: [...INBOX_STATUSES], limit: 1000 }, actor.agentId);
    const active = await this.liveRuns.activeForIssues(actor.companyId, rows.map((row) => row.id));
    return rows.map((row) => ({ ...toIssueResponse(row), activeRun: toActiveRun(active.get(row.id)) }));
  }
}
