import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { auditActor } from '../../audit/audit.service';
import type { Actor, AgentActor } from '../../auth/actor';
import { DomainError } from '../../common/domain-error';
import { TransactionRunner } from '../../database/transaction-runner';
import type { ClearedLocks } from '../../locks/stale-lock.service';
import { checkoutForItself, decideCheckout } from '../../ownership/checkout.policy';
import { orThrow } from '../../ownership/policy-types';
import { CheckoutDto } from '../dto/issue.dto';
import { assertNoUnresolvedBlockers } from '../issue-blockers';
import { IssueRow, locksFor, updateIssue } from '../issue-row';
import { statusTimestamps } from '../../ownership/issue-invariants.policy';
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
    const notForItself = checkoutForItself(actor, dto.agentId);
    if (notForItself) orThrow(notForItself);
    return this.tx.run(async (em) => {
      const locked = await this.gate.lockForWrite(em, actor, issueId, clearedEarlier);
      const issue = locked.issue;
      const agentName = actor.type === 'agent' ? actor.agentName : await this.assignableAgentName(em, dto.agentId, issue.company_id);
      const decision = orThrow(decideCheckout(issue, locked.runs, actor, dto));
      if (decision.kind === 'idempotent') return issue;
      if (decision.kind === 'adopt') return this.gate.adopt(em, actor as AgentActor, issue, decision.runId, locked.clearedCheckoutRunId);
      const runId = decision.runId;
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

}
