import { applyDecorators, createParamDecorator, ExecutionContext, UseInterceptors } from '@nestjs/common';
import { Access } from '../../auth/access.decorator';
import { ApiSharedErrors } from '../../docs/api-route.decorator';
import type { ClearedLocks } from '../../locks/stale-lock.service';
import { RequestWithClearedLocks, StaleLockInterceptor } from './stale-lock.interceptor';

/**
 * An ownership-checked handler (checkout, PATCH, comments, release): board operators and the
 * company's agents may call it, stale locks are cleared before it runs, and Swagger shows the
 * run-id header and the run-fence codes. The handler still decides ownership under its own row lock.
 */
export function OwnershipChecked() {
  return applyDecorators(
    Access({ board: 'operator', agent: true }),
    UseInterceptors(StaleLockInterceptor),
    ApiSharedErrors(['run_id_required', 'run_not_owned', 'run_not_live', 'run_ownership_conflict', 'checked_out_by_other_agent', 'issue_busy']),
  );
}

/** What the stale-lock interceptor cleared for this request, if anything. */
export const ClearedBefore = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): ClearedLocks | null => ctx.switchToHttp().getRequest<RequestWithClearedLocks>().clearedLocks ?? null,
);
