import { DomainError } from '../common/domain-error';
import type { ErrorCode } from '../common/error-codes';
import type { IssueStatus } from '../issues/issue.entity';

/**
 * The ownership policy (ownership.md §2–§9) is pure: each rule is a function of the issue row and
 * its runs as locked in the caller's transaction, the actor and the request, returning a decision.
 * Services lock, decide, write. Nothing here touches the database or Nest.
 */

/** Sentinel for "the database's now()" in the column changes a rule returns. */
export const DB_NOW = new Date(0);

/** The lock-relevant columns of an issue row (the row type itself satisfies this). */
export interface IssueState {
  id: string;
  status: IssueStatus;
  assignee_agent_id: string | null;
  assignee_user_id: string | null;
  checkout_run_id: string | null;
  execution_run_id: string | null;
}

/** A run as locked in the caller's transaction; `live` was judged by the database clock in that statement. */
export interface RunState {
  status: string;
  agent_id: string;
  /** `running` and within its lease (src/locks/run-liveness.ts). */
  live: boolean;
}

export type RunStates = ReadonlyMap<string, RunState>;

export interface AgentPolicyActor {
  type: 'agent';
  agentId: string;
  /** From the run JWT or X-Paperclip-Run-Id; null when the request carries no run. */
  runId: string | null;
}

export type PolicyActor = { type: 'board' } | AgentPolicyActor;

/** A decision to refuse, with the error the client gets. */
export interface Refusal {
  kind: 'refuse';
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  /** Only where a route answers a code with another status (docs/error-codes.md). */
  status?: number;
}

export function refuse(code: ErrorCode, message: string, details?: Record<string, unknown>, status?: number): Refusal {
  return { kind: 'refuse', code, message, details, status };
}

export function isRefusal(decision: { kind: string }): decision is Refusal {
  return decision.kind === 'refuse';
}

/** The decision, unless it is a refusal: then its DomainError is thrown. */
export function orThrow<T extends { kind: string }>(decision: T | Refusal): Exclude<T, Refusal> {
  if (isRefusal(decision)) throw new DomainError(decision.code, decision.message, decision.details, decision.status);
  return decision as Exclude<T, Refusal>;
}
