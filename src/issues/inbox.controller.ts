import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AgentOnly } from '../auth/access.decorator';
import type { AgentActor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import { IssueResponse } from './dto/issue.dto';
import { toIssueResponse } from './issue-response';
import { IssuesService } from './issues.service';

const INBOX_STATUSES = ['todo', 'in_progress', 'blocked'] as const;

@ApiTags('agents')
@Controller('agents/me')
export class InboxController {
  constructor(private readonly issues: IssuesService) {}

  @Get('inbox-lite')
  @AgentOnly()
  @ApiOkResponse({ type: [IssueResponse], description: 'Issues assigned to the calling agent in todo, in_progress or blocked' })
  async inbox(@CurrentActor() actor: AgentActor): Promise<IssueResponse[]> {
    const rows = await this.issues.list(actor.companyId, { status: [...INBOX_STATUSES], limit: 1000 }, actor.agentId);
    return rows.map((row) => toIssueResponse(row));
  }
}
