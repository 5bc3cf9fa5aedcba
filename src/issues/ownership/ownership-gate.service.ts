import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { auditActor } from '../../audit/audit.service';
import type { Actor, AgentActor } from '../../auth/actor';
import type { LockedRuns } from '../../locks/lock-holders';
import { ClearedLocks, StaleLockService } from '../../locks/stale-lock.service';
import { ClaspMetrics } from '../../metrics/clasp-metrics';
import { decideGate, needsOverrideCheck } from '../../ownership/gate.policy';
import { isRefusal, orThrow } from '../../ownership/policy-types';
import { MAX_REPORTING_DEPTH } from '../../agents/agents.service';
import { AssigneesRepository } from '../assignees.repository';
import { IssueRow, locksFor } from '../issue-row';
import { IssuesRepository } from '../issues.repository';

/** The issue row under its lock, after stale locks were cleared in this transaction. */
export interface LockedIssue {
  issue: IssueRow;
  /** A stale checkout lock cleared just before (by the interceptor or in this transaction). */
  clearedCheckoutRunId: string | null;
  /** The holder runs and the caller's run, locked FOR SHARE after the issue row. */
  runs: LockedRuns;
}

export type GateOptions = {
  /** Release refuses another agent's issue with 409 not_issue_assignee whatever its status (ownership.md §5). */
  release?: boolean;
};

/**
 * The ownership gate (ownership.md §4) for PATCH, comments and release. Always called inside
 * the write's own transaction, on the row it has just locked: never on a row read earlier.
 */
@Injectable()
export class OwnershipGateService {
  constructor(
    private readonly staleLocks: StaleLockService,
    private readonly issues: IssuesRepository,
    private readonly assignees: AssigneesRepository,
    private readonly metrics: ClaspMetrics,
  ) {}

  /**
   * Locks the issue row, then its holder runs and the caller's run (one round trip for both), and
   * clears the locks whose holder is not running.
   */
  async lockForWrite(em: EntityManager, actor: Actor, issueId: string, clearedEarlier: ClearedLocks | null): Promise<LockedIssue> {
    const locked = await this.issues.lockWithRuns(em, issueId, actor.type === 'agent' ? actor.runId : null);
    const runs = locked.runs;
    let issue = locked.issue;
    const cleared = await this.staleLocks.clearIfStale(em, issue, 'request', runs);
    if (cleared) {
      issue = { ...issue };
      if (cleared.clearedCheckoutRunId) issue.checkout_run_id = null;
      if (cleared.clearedExecutionRunId) {
        issue.execution_run_id = null;
        issue.execution_agent_name_key = null;
        issue.execution_locked_at = null;
      }
    }
    return { issue, runs, clearedCheckoutRunId: cleared?.clearedCheckoutRunId ?? clearedEarlier?.clearedCheckoutRunId ?? null };
  }

  /** Throws unless the actor may write (ownership.md §4, §5); adopts the lock when the rules say so. Returns the (possibly adopted) row. */
  async pass(em: EntityManager, actor: Actor, locked: LockedIssue, options: GateOptions = {}): Promise<IssueRow> {
    const { issue } = locked;
    const overridesAssignee = needsOverrideCheck(issue, actor) && (await this.overrides(em, actor as AgentActor, issue.assignee_agent_id as string));
    const verdict = decideGate(issue, locked.runs, actor, { overridesAssignee, release: options.release });
    if (isRefusal(verdict)) this.metrics.gateRefusals.inc({ code: verdict.code });
    const decision = orThrow(verdict);
    if (decision.kind === 'adopt') return this.adopt(em, actor as AgentActor, issue, decision.runId, locked.clearedCheckoutRunId);
    return issue;
  }

  /** Gives both locks to the caller's run and audits the adoption. */
  async adopt(em: EntityManager, actor: AgentActor, issue: IssueRow, runId: string, previousCheckoutRunId: string | null): Promise<IssueRow> {
    return this.issues.update(em, issue.id, locksFor(runId, actor.agentName), {
      companyId: issue.company_id,
      ...auditActor(actor),
      action: 'issue.checkout_lock_adopted',
      entityType: 'issue',
      entityId: issue.id,
      details: previousCheckoutRunId
        ? { previousCheckoutRunId, reason: 'stale_checkout_run', runId }
        : { previousCheckoutRunId: null, runId },
    });
  }

  /** Whether the caller may act on another agent's issue: its manager (any depth), a CEO, or canManageCheckouts. */
  async overrides(em: EntityManager, actor: AgentActor, assigneeAgentId: string): Promise<boolean> {
    if (actor.role === 'ceo' || actor.permissions?.canManageCheckouts === true) return true;
    return this.assignees.isInManagerChain(em, assigneeAgentId, actor.agentId, MAX_REPORTING_DEPTH);
  }
}
