import type { EntityManager } from 'typeorm';
import type { AgentActor } from '../auth/actor';
import { LockedRuns, lockRuns } from '../locks/lock-holders';
import { fenceCallerRun } from '../ownership/fence.policy';
import { orThrow } from '../ownership/policy-types';

/** Fencing (ownership.md §8) on the caller's run as locked in this transaction; returns its id or throws. */
export function assertLiveCallerRun(actor: AgentActor, runs: LockedRuns): string {
  return orThrow(fenceCallerRun(actor, runs)).runId;
}

/** Locks the caller's run FOR SHARE (after any issue row: issue, then run) and fences on it. */
export async function lockCallerRun(em: EntityManager, actor: AgentActor, leaseSeconds: number): Promise<string> {
  return assertLiveCallerRun(actor, await lockRuns(em, [actor.runId], leaseSeconds));
}
