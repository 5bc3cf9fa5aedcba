import { holderState } from './liveness.policy';
import { AgentPolicyActor, refuse, Refusal, RunStates } from './policy-types';

export type Fence = { kind: 'live'; runId: string } | Refusal;

/**
 * §8: a write that carries a run id needs that run to exist, be the caller's, and be live. `runs`
 * holds the caller's run as locked (FOR SHARE) in the write's own transaction.
 */
export function fenceCallerRun(actor: AgentPolicyActor, runs: RunStates): Fence {
  const runId = actor.runId;
  if (!runId) return refuse('run_id_required', 'This needs a run: send X-Paperclip-Run-Id or use a run JWT');
  const run = runs.get(runId);
  if (!run || run.agent_id !== actor.agentId) {
    return refuse('run_not_owned', 'The run does not exist or belongs to another agent', { runId, agentId: actor.agentId });
  }
  if (!run.live) {
    const leaseExpired = holderState(run) === 'lease_expired';
    const why = leaseExpired ? 'its lease ran out (no heartbeat in time)' : `it is ${run.status}`;
    return refuse('run_not_live', `The run is not live: ${why}; only a live run may write`, { runId, runStatus: run.status, leaseExpired });
  }
  return { kind: 'live', runId };
}
