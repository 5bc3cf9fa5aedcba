import { applyDecorators } from '@nestjs/common';
import { Access } from '../../auth/access.decorator';
import { ApiSharedErrors } from '../../docs/api-route.decorator';

/**
 * An ownership-checked handler (checkout, PATCH, comments, release): board operators and the
 * company's agents may call it, and Swagger shows the run-id header and the run-fence codes. The
 * handler clears stale locks first (StaleLockPreclear) and still decides ownership under its own row lock.
 */
export function OwnershipChecked() {
  return applyDecorators(
    Access({ board: 'operator', agent: true }),
    ApiSharedErrors(['run_id_required', 'run_not_owned', 'run_not_live', 'run_ownership_conflict', 'checked_out_by_other_agent', 'issue_busy']),
  );
}
