import { Body, Controller, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '../../auth/access.decorator';
import type { Actor, BoardActor, RequestScope } from '../../auth/actor';
import { CurrentActor, CurrentScope } from '../../auth/current-actor.decorator';
import { ApiIssueIdParam, ApiRoute } from '../../docs/api-route.decorator';
import type { ClearedLocks } from '../../locks/stale-lock.service';
import { CheckoutDto, ForceReleaseQuery, ForceReleaseResponse, IssueResponse } from '../dto/issue.dto';
import { toIssueResponse } from '../issue-response';
import { CheckoutService } from './checkout.service';
import { ClearedBefore, OwnershipChecked } from './ownership-checked.decorator';
import { ReleaseService } from './release.service';

/** Who holds an issue: an agent's checkout and release, and the board's force-release (docs/ownership.md §3, §5, §6). */
@ApiTags('ownership')
@Controller()
export class OwnershipController {
  constructor(
    private readonly checkouts: CheckoutService,
    private readonly releases: ReleaseService,
  ) {}

  @Post('issues/:id/checkout')
  @HttpCode(200)
  @OwnershipChecked()
  @ApiRoute({
    summary: 'Check out an issue for an agent',
    description:
      'Moves the issue to in_progress, assigned to `agentId`, held by the caller\'s run. Idempotent for the run that already holds it. ' +
      'An agent checks out only as itself; a board operator may check out on an agent\'s behalf. Put the agent\'s id in `agentId`.',
    errors: ['checkout_conflict', 'checkout_as_other_agent', 'blocked_by_unresolved', 'invalid_assignee'],
    example: { agentId: '00000000-0000-4000-8000-000000000000', expectedStatuses: ['todo', 'backlog', 'blocked'] },
  })
  @ApiIssueIdParam()
  @ApiOkResponse({ type: IssueResponse })
  async checkout(
    @CurrentActor() actor: Actor,
    @CurrentScope() scope: RequestScope,
    @Body() dto: CheckoutDto,
    @ClearedBefore() cleared: ClearedLocks | null,
  ): Promise<IssueResponse> {
    return toIssueResponse(await this.checkouts.checkout(actor, scope.issueId as string, dto, cleared));
  }

  @Post('issues/:id/release')
  @HttpCode(200)
  @OwnershipChecked()
  @ApiRoute({
    summary: 'Release an issue',
    description: "Clears the issue's run locks; an in_progress issue goes back to todo and, unless done or cancelled, loses its agent assignee. Agents release only their own issue.",
    errors: [{ code: 'not_issue_assignee', status: 409 }],
  })
  @ApiIssueIdParam()
  @ApiOkResponse({ type: IssueResponse })
  async release(@CurrentActor() actor: Actor, @CurrentScope() scope: RequestScope, @ClearedBefore() cleared: ClearedLocks | null): Promise<IssueResponse> {
    return toIssueResponse(await this.releases.release(actor, scope.issueId as string, cleared));
  }

  @Post('issues/:id/admin/force-release')
  @HttpCode(200)
  @Access({ board: 'operator' })
  @ApiRoute({
    summary: 'Force-release a checked-out issue (board)',
    description:
      "Clears the issue's checkout and execution locks whoever holds them, cancels the holder runs that are still live, and records it in the activity log. " +
      '`clearAssignee=true` also removes the agent assignee.',
  })
  @ApiIssueIdParam()
  @ApiOkResponse({ type: ForceReleaseResponse })
  async forceRelease(@CurrentActor() actor: BoardActor, @CurrentScope() scope: RequestScope, @Query() query: ForceReleaseQuery): Promise<ForceReleaseResponse> {
    const result = await this.releases.forceRelease(actor, scope.issueId as string, query.clearAssignee === 'true');
    return { issue: toIssueResponse(result.issue), previous: result.previous };
  }
}
