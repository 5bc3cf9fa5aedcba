import { applyDecorators, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { Access } from '../../auth/access.decorator';
import type { RequestScope } from '../../auth/actor';
import type { AuthenticatedRequest } from '../../auth/current-actor.decorator';
import { ClearStaleLocksPipe } from './clear-stale-locks.pipe';

/**
 * An ownership-checked handler (checkout, PATCH, comments, release): board operators and the
 * company's agents may call it, and Swagger shows the run-id header. Its @ClearedBefore()
 * parameter clears stale locks before it runs; the handler still decides ownership under its own
 * row lock.
 */
export function OwnershipChecked() {
  return applyDecorators(
    Access({ board: 'operator', agent: true }),
    ApiHeader({ name: 'X-Paperclip-Run-Id', required: false, description: "The caller's run (agents); must match the run JWT's run_id" }),
  );
}

const requestScope = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestScope | undefined => ctx.switchToHttp().getRequest<AuthenticatedRequest>().scope);

/** Clears the stale locks before the handler runs and gives what was cleared, if anything. */
export const ClearedBefore = () => requestScope(undefined, ClearStaleLocksPipe);
