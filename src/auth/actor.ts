import type { AgentPermissions, AgentRole } from '../agents/agent.entity';

export interface BoardActor {
  type: 'board';
  userId: string;
  isInstanceAdmin: boolean;
  keyId: string;
}

export interface AgentActor {
  type: 'agent';
  agentId: string;
  companyId: string;
  agentName: string;
  role: AgentRole;
  permissions: AgentPermissions;
  credential: 'agent_key' | 'run_jwt';
  keyId: string | null;
  /** From the run JWT's `run_id` claim or the `X-Paperclip-Run-Id` header (checked to agree). */
  runId: string | null;
}

export type Actor = BoardActor | AgentActor;

/** Where the guard found the request's company, for handlers that need it again. */
export interface RequestScope {
  companyId: string | null;
  /** Resolved issue uuid when the path names an issue by uuid or identifier. */
  issueId: string | null;
  /** Read with the issue (no lock): a hint that the stale-lock pipe (@ClearedBefore) has work to do. */
  issueHasStaleLock?: boolean;
}
