import type { EntityManager } from 'typeorm';
import type { AgentActor } from '../auth/actor';
import { DomainError } from '../common/domain-error';
import { holderState, LockedRuns, lockRuns } from '../locks/lock-holders';

/**
 * Fencing (ownership.md §8): the caller's run must exist, be the caller's, and be live — running
 * and within its lease by the database clock. `runs` holds the caller's run as locked FOR SHARE in
 * this transaction (after the issue row: issue, then run), so it cannot finish until the caller's
 * transaction ends, and its lease was judged in that same statement.
 */
export function assertLiveCallerRun(actor: AgentActor, runs: LockedRuns): string {
  const runId = actor.runId;
  if (!runId) {
    throw new DomainError('run_id_required', 'This needs a run: send X-Paperclip-Run-Id or use a run JWT');
  }
  const run = runs.get(runId);
  if (!run || run.agent_id !== actor.agentId) {
    throw new DomainError('run_not_owned', 'The run does not exist or belongs to another agent', { runId, agentId: actor.agentId });
  }
  if (!run.live) {
    const state = holderState(run);
    const why = state === 'lease_expired' ? 'its lease ran out (no heartbeat in time)' : `it is ${run.status}`;
    throw new DomainError('run_not_live', `The run is not live: ${why}; only a live run may write`, {
      runId,
      runStatus: run.status,
      leaseExpired: state === 'lease_expired',
    });
  }
  return runId;
}

/** Locks the caller's run FOR SHARE and fences on it. */
export async function lockCallerRun(em: EntityManager, actor: AgentActor, leaseSeconds: number): Promise<string> {
  return assertLiveCallerRun(actor, await lockRuns(em, [actor.runId], leaseSeconds));
}
