import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import type { RequestScope } from '../auth/actor';
import { CurrentScope } from '../auth/current-actor.decorator';
import { ErrorBody } from '../common/error-body';
import { ActivityQuery, ActivityResponse, IssueActivityQuery, toActivityResponse } from './activity.dto';
import { ActivityService } from './activity.service';

@ApiTags('activity')
@ApiNotFoundResponse({ type: ErrorBody })
@Controller()
export class ActivityController {
  constructor(private readonly activity: ActivityService) {}

  @Get('issues/:id/activity')
  @Access({ board: 'viewer', agent: true })
  @ApiParam({ name: 'id', description: 'Issue uuid or identifier' })
  @ApiOkResponse({ type: [ActivityResponse], description: 'Newest first' })
  async issueActivity(@CurrentScope() scope: RequestScope, @Query() query: IssueActivityQuery): Promise<ActivityResponse[]> {
    return (await this.activity.forIssue(scope.companyId as string, scope.issueId as string, query)).map(toActivityResponse);
  }

  @Get('companies/:companyId/activity')
  @Access({ board: 'viewer' })
  @ApiOkResponse({ type: [ActivityResponse], description: 'Newest first; page with `before`' })
  async companyActivity(@Param('companyId', ParseUUIDPipe) companyId: string, @Query() query: ActivityQuery): Promise<ActivityResponse[]> {
    return (await this.activity.list(companyId, query)).map(toActivityResponse);
  }
}
