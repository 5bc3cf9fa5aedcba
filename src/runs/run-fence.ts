import type { EntityManager } from 'typeorm';
import type { AgentActor } from '../auth/actor';
import { DomainError } from '../common/domain-error';

/**
 * Fencing (ownership.md §8): the caller's run must exist, be the caller's, and be running.
 * Locks the run FOR SHARE so it cannot finish until the caller's transaction ends; call it only
 * after the issue row is locked (issue, then run).
 */
export async function lockCallerRun(em: EntityManager, actor: AgentActor): Promise<string> {
  const runId = actor.runId;
  if (!runId) {
    throw new DomainError('run_id_required', 'This needs a run: send X-Paperclip-Run-Id or use a run JWT');
  }
  const [run]: { agent_id: string; status: string }[] = await em.query(
    'SELECT agent_id, status FROM heartbeat_runs WHERE id = $1 FOR SHARE',
    [runId],
  );
  if (!run || run.agent_id !== actor.agentId) {
    throw new DomainError('run_not_owned', 'The run does not exist or belongs to another agent', { runId, agentId: actor.agentId });
  }
  if (run.status !== 'running') {
    throw new DomainError('run_not_live', `The run is ${run.status}; only a running run may take or hold an issue`, { runId, runStatus: run.status });
  }
  return runId;
}
