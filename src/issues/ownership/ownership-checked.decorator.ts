import { applyDecorators, createParamDecorator, ExecutionContext, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { Access } from '../../auth/access.decorator';
import type { ClearedLocks } from '../../locks/stale-lock.service';
import { RequestWithClearedLocks, StaleLockInterceptor } from './stale-lock.interceptor';

/**
 * An ownership-checked handler (checkout, PATCH, comments, release): board operators and the
 * company's agents may call it, stale locks are cleared before it runs, and Swagger shows the
 * run-id header. The handler still decides ownership under its own row lock.
 */
export function OwnershipChecked() {
  return applyDecorators(
    Access({ board: 'operator', agent: true }),
    UseInterceptors(StaleLockInterceptor),
    ApiHeader({ name: 'X-Paperclip-Run-Id', required: false, description: "The caller's run (agents); must match the run JWT's run_id" }),
  );
}

/** What the stale-lock interceptor cleared for this request, if anything. */
export const ClearedBefore = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): ClearedLocks | null => ctx.switchToHttp().getRequest<RequestWithClearedLocks>().clearedLocks ?? null,
);
