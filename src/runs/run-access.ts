import type { Actor } from '../auth/actor';
import { DomainError } from '../common/domain-error';

/**
 * "The run's agent": an agent may drive only its own runs (403 run_not_owned). Board users were
 * already checked by the guard against the run's company with the route's role.
 */
export function assertRunAgent(actor: Actor, run: { id: string; agent_id: string }): void {
  if (actor.type === 'agent' && actor.agentId !== run.agent_id) {
    throw new DomainError('run_not_owned', 'The run belongs to another agent', { runId: run.id, agentId: actor.agentId });
  }
}
