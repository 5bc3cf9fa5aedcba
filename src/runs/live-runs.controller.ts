import { Controller, Get, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access } from '../auth/access.decorator';
import type { RequestScope } from '../auth/actor';
import { CurrentScope } from '../auth/current-actor.decorator';
import { ErrorBody } from '../common/error-body';
import { LiveRunsService } from './live-runs.service';
import { LiveRunResponse, toLiveRunResponse } from './live-runs.dto';

const ISSUE_ID_PARAM = { name: 'id', description: 'Issue uuid or identifier (e.g. PAP-12, case-insensitive)' };

/** Paperclip's live-run reads: which runs are queued or running, for an issue or a company. */
@ApiTags('heartbeat runs')
@ApiNotFoundResponse({ type: ErrorBody })
@Controller()
export class LiveRunsController {
  constructor(private readonly liveRuns: LiveRunsService) {}

  @Get('issues/:id/active-run')
  @Access({ board: 'viewer', agent: true })
  @ApiParam(ISSUE_ID_PARAM)
  @ApiOkResponse({ type: LiveRunResponse, description: 'The run working on the issue (a running one first, then its lock holder), or `null`' })
  async activeRun(@CurrentScope() scope: RequestScope, @Res() res: Response): Promise<void> {
    const run = await this.liveRuns.activeForIssue(scope.companyId as string, scope.issueId as string);
    // Paperclip answers a JSON `null`; Nest would send an empty body for a null result.
    res.status(200).json(run ? toLiveRunResponse(run) : null);
  }

  @Get('issues/:id/live-runs')
  @Access({ board: 'viewer', agent: true })
  @ApiParam(ISSUE_ID_PARAM)
  @ApiOkResponse({ type: [LiveRunResponse], description: 'Queued and running runs woken for the issue or holding its locks, newest first' })
  async forIssue(@CurrentScope() scope: RequestScope): Promise<LiveRunResponse[]> {
    return (await this.liveRuns.forIssue(scope.companyId as string, scope.issueId as string)).map(toLiveRunResponse);
  }

  @Get('companies/:companyId/live-runs')
  @Access({ board: 'viewer', agent: true })
  @ApiOkResponse({ type: [LiveRunResponse], description: "The company's queued and running runs, newest first" })
  async forCompany(@Param('companyId', ParseUUIDPipe) companyId: string): Promise<LiveRunResponse[]> {
    return (await this.liveRuns.forCompany(companyId)).map(toLiveRunResponse);
  }
}
