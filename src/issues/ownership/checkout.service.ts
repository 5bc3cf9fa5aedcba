import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { auditActor } from '../../audit/audit.service';
import type { Actor } from '../../auth/actor';
import { DomainError } from '../../common/domain-error';
import { TransactionRunner } from '../../database/transaction-runner';
import { holderState, LockedRuns } from '../../locks/lock-holders';
import type { ClearedLocks } from '../../locks/stale-lock.service';
import { assertLiveCallerRun } from '../../runs/run-fence';
import { CheckoutDto } from '../dto/issue.dto';
import { assertNoUnresolvedBlockers } from '../issue-blockers';
import { IssueRow, locksFor, updateIssue } from '../issue-row';
import { statusTimestamps } from '../issue-rules';
import { OwnershipGateService } from './ownership-gate.service';
import { query } from '../../database/sql';

/** Checkout (ownership.md §3): one transaction under the issue row lock. */
@Injectable()
export class CheckoutService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly gate: OwnershipGateService,
  ) {}

  async checkout(actor: Actor, issueId: string, dto: CheckoutDto, clearedEarlier: ClearedLocks | null): Promise<IssueRow> {
    if (actor.type === 'agent' && dto.agentId !== actor.agentId) {
      throw new DomainError('checkout_as_other_agent', 'An agent can only check out for itself', { agentId: dto.agentId, actorAgentId: actor.agentId });
    }
    return this.tx.run(async (em) => {
      const locked = await this.gate.lockForWrite(em, actor, issueId, clearedEarlier);
      const issue = locked.issue;
      const agentName = actor.type === 'agent' ? actor.agentName : await this.assignableAgentName(em, dto.agentId, issue.company_id);
      // A board checkout acts on behalf of the agent and leaves the issue unowned for its next run.
      const runId = actor.type === 'agent' ? assertLiveCallerRun(actor, locked.runs) : null;

      const heldByAgent = issue.status === 'in_progress' && issue.assignee_agent_id === dto.agentId;
      if (heldByAgent && issue.checkout_run_id === runId && (runId || !issue.execution_run_id)) return issue;
      if (heldByAgent && runId && !issue.checkout_run_id && (!issue.execution_run_id || issue.execution_run_id === runId)) {
        return this.gate.adopt(em, actor as Extract<Actor, { type: 'agent' }>, issue, runId, locked.clearedCheckoutRunId);
      }

      const free =
        dto.expectedStatuses.includes(issue.status) &&
        !issue.assignee_user_id &&
        (!issue.assignee_agent_id || issue.assignee_agent_id === dto.agentId) &&
        !issue.checkout_run_id &&
        !issue.execution_run_id;
      if (!free) throw this.conflict(issue, locked.runs);
      if (issue.has_unresolved_blockers) await assertNoUnresolvedBlockers(em, issue.id);

      return updateIssue(
        em,
        issue.id,
        {
          ...statusTimestamps(issue.status === 'in_progress' ? null : issue.status, 'in_progress'),
          status: 'in_progress',
          assignee_agent_id: dto.agentId,
          ...locksFor(runId, agentName),
        },
        {
          companyId: issue.company_id,
          ...auditActor(actor),
          action: 'issue.checked_out',
          entityType: 'issue',
          entityId: issue.id,
          details: { agentId: dto.agentId, runId, previousStatus: issue.status, onBehalf: actor.type === 'board' },
        },
        { andCommit: true },
      );
    });
  }

  private async assignableAgentName(em: EntityManager, agentId: string, companyId: string): Promise<string> {
    const [agent]: { name: string; company_id: string; status: string }[] = await query(
      em,
      'SELECT name, company_id, status FROM agents WHERE id = $1',
      [agentId],
    );
    if (!agent || agent.company_id !== companyId || agent.status === 'terminated') {
      throw new DomainError('invalid_assignee', 'agentId must be an active agent of the issue company', { agentId });
    }
    return agent.name;
  }

  private conflict(issue: IssueRow, runs: LockedRuns): DomainError {
    const holder = issue.checkout_run_id ?? issue.execution_run_id;
    return new DomainError('checkout_conflict', 'The issue cannot be checked out: it is taken or not in an expected status', {
      issueId: issue.id,
      status: issue.status,
      assigneeAgentId: issue.assignee_agent_id,
      assigneeUserId: issue.assignee_user_id,
      checkoutRunId: issue.checkout_run_id,
      executionRunId: issue.execution_run_id,
      holderRunStatus: holder ? holderState(runs.get(holder)) : null,
    });
  }
}
