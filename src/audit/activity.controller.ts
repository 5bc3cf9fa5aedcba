import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import type { RequestScope } from '../auth/actor';
import { CurrentScope } from '../auth/current-actor.decorator';
import { ApiIssueIdParam, ApiRoute } from '../docs/api-route.decorator';
import { ActivityQuery, ActivityResponse, IssueActivityQuery, toActivityResponse } from './activity.dto';
import { ActivityService } from './activity.service';

@ApiTags('audit')
@Controller()
export class ActivityController {
  constructor(private readonly activity: ActivityService) {}

  @Get('issues/:id/activity')
  @Access({ board: 'viewer', agent: true })
  @ApiRoute({ summary: "An issue's activity", description: 'Every recorded change of the issue, newest first.' })
  @ApiIssueIdParam()
  @ApiOkResponse({ type: [ActivityResponse], description: 'Newest first' })
  async issueActivity(@CurrentScope() scope: RequestScope, @Query() query: IssueActivityQuery): Promise<ActivityResponse[]> {
    return (await this.activity.forIssue(scope.companyId as string, scope.issueId as string, query)).map(toActivityResponse);
  }

  @Get('companies/:companyId/activity')
  @Access({ board: 'viewer' })
  @ApiRoute({ summary: "A company's activity log", description: 'Every recorded change in the company, newest first; filter by action, entity or agent, page with `before`.' })
  @ApiOkResponse({ type: [ActivityResponse], description: 'Newest first; page with `before`' })
  async companyActivity(@Param('companyId', ParseUUIDPipe) companyId: string, @Query() query: ActivityQuery): Promise<ActivityResponse[]> {
    return (await this.activity.list(companyId, query)).map(toActivityResponse);
  }
}
