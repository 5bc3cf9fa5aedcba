import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { ErrorBody } from '../common/error-body';
import { HeldLockResponse, LocksQuery } from './locks.dto';
import { LockViewService } from './lock-view.service';

@ApiTags('locks')
@ApiNotFoundResponse({ type: ErrorBody })
@Controller()
export class LocksController {
  constructor(private readonly locks: LockViewService) {}

  @Get('companies/:companyId/locks')
  @Access({ board: 'viewer' })
  @ApiOperation({
    summary: 'Every lock held in the company',
    description:
      'Issues whose checkout or execution lock is set, with each holder run, its status, whether it is live and when its lease ends ' +
      '(by the database clock), and the lock age. `?stale=true` lists only locks whose holder is not live — the candidates for ' +
      '`POST /api/issues/:id/admin/force-release`. Oldest lock first.',
  })
  @ApiOkResponse({ type: [HeldLockResponse] })
  @ApiBadRequestResponse({ type: ErrorBody })
  heldLocks(@Param('companyId', ParseUUIDPipe) companyId: string, @Query() query: LocksQuery): Promise<HeldLockResponse[]> {
    return this.locks.heldLocks(companyId, query.stale ?? false);
  }
}
