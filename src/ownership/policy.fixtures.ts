import type { AgentPolicyActor, IssueState, PolicyActor, RunState } from './policy-types';

/** Small builders for the policy's table-driven specs (no database: the policy is pure). */

export const AGENT = 'agent-a';
export const OTHER_AGENT = 'agent-b';
export const RUN = 'run-1';
export const RUN2 = 'run-2';
export const BOARD: PolicyActor = { type: 'board' };

export function agentWith(runId: string | null, agentId = AGENT): AgentPolicyActor {
  return { type: 'agent', agentId, runId };
}

export function anIssue(fields: Partial<IssueState> = {}): IssueState {
  return {
    id: 'issue-1',
    status: 'todo',
    assignee_agent_id: null,
    assignee_user_id: null,
    checkout_run_id: null,
    execution_run_id: null,
    ...fields,
  };
}

type Kind = 'live' | 'live-other' | 'expired' | 'queued' | 'succeeded' | 'failed' | 'cancelled' | 'timed_out';

function state(kind: Kind): RunState {
  switch (kind) {
    case 'live':
      return { status: 'running', agent_id: AGENT, live: true };
    case 'live-other':
      return { status: 'running', agent_id: OTHER_AGENT, live: true };
    case 'expired':
      return { status: 'running', agent_id: AGENT, live: false };
    default:
      return { status: kind, agent_id: AGENT, live: false };
  }
}

/** Runs as locked in a transaction: id → state. An id left out is a missing run. */
export function runs(kinds: Record<string, Kind>): Map<string, RunState> {
  return new Map(Object.entries(kinds).map(([id, kind]) => [id, state(kind)]));
}
