import { applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { Access } from '../../auth/access.decorator';

/**
 * An ownership-checked handler (checkout, PATCH, comments, release): board operators and the
 * company's agents may call it, and Swagger shows the run-id header. The handler clears stale
 * locks first (StaleLockPreclear) and still decides ownership under its own row lock.
 */
export function OwnershipChecked() {
  return applyDecorators(
    Access({ board: 'operator', agent: true }),
    ApiHeader({ name: 'X-Paperclip-Run-Id', required: false, description: "The caller's run (agents); must match the run JWT's run_id" }),
  );
}
