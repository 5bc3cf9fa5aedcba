import { Controller, Get, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access } from '../auth/access.decorator';
import type { RequestScope } from '../auth/actor';
import { CurrentScope } from '../auth/current-actor.decorator';
import { ApiIssueIdParam, ApiRoute } from '../docs/api-route.decorator';
import { LiveRunsService } from './live-runs.service';
import { LiveRunResponse, toLiveRunResponse } from './live-runs.dto';

/** Paperclip's live-run reads: which runs are queued or running, for an issue or a company. */
@ApiTags('runs')
@Controller()
export class LiveRunsController {
  constructor(private readonly liveRuns: LiveRunsService) {}

  @Get('issues/:id/active-run')
  @Access({ board: 'viewer', agent: true })
  @ApiRoute({ summary: 'The run working on an issue', description: 'A running run first, then the holder of its lock; `null` when none.' })
  @ApiIssueIdParam()
  @ApiOkResponse({ type: LiveRunResponse, description: 'The run working on the issue (a running one first, then its lock holder), or `null`' })
  async activeRun(@CurrentScope() scope: RequestScope, @Res() res: Response): Promise<void> {
    const run = await this.liveRuns.activeForIssue(scope.companyId as string, scope.issueId as string);
    // Paperclip answers a JSON `null`; Nest would send an empty body for a null result.
    res.status(200).json(run ? toLiveRunResponse(run) : null);
  }

  @Get('issues/:id/live-runs')
  @Access({ board: 'viewer', agent: true })
  @ApiRoute({ summary: "An issue's live runs", description: 'Queued and running runs woken for the issue or holding its locks, newest first.' })
  @ApiIssueIdParam()
  @ApiOkResponse({ type: [LiveRunResponse], description: 'Queued and running runs woken for the issue or holding its locks, newest first' })
  async forIssue(@CurrentScope() scope: RequestScope): Promise<LiveRunResponse[]> {
    return (await this.liveRuns.forIssue(scope.companyId as string, scope.issueId as string)).map(toLiveRunResponse);
  }

  @Get('companies/:companyId/live-runs')
  @Access({ board: 'viewer', agent: true })
  @ApiRoute({ summary: "A company's live runs", description: "The company's queued and running runs, newest first." })
  @ApiOkResponse({ type: [LiveRunResponse], description: "The company's queued and running runs, newest first" })
  async forCompany(@Param('companyId', ParseUUIDPipe) companyId: string): Promise<LiveRunResponse[]> {
    return (await this.liveRuns.forCompany(companyId)).map(toLiveRunResponse);
  }
}
