import type { AgentActor } from '../auth/actor';
import type { LockedRuns } from '../locks/lock-holders';
import { fenceCallerRun } from '../ownership/fence.policy';
import { orThrow } from '../ownership/policy-types';

/**
 * Fencing (ownership.md §8) on the caller's run as locked (FOR SHARE) in this transaction —
 * IssueLocksRepository.lockRuns — after any issue row: issue, then run. Returns its id or throws.
 */
export function assertLiveCallerRun(actor: AgentActor, runs: LockedRuns): string {
  return orThrow(fenceCallerRun(actor, runs)).runId;
}
