import { Injectable } from '@nestjs/common';
import { auditActor } from '../../audit/audit.service';
import type { Actor, AgentActor } from '../../auth/actor';
import { TransactionRunner } from '../../database/transaction-runner';
import type { ClearedLocks } from '../../locks/stale-lock.service';
import { checkoutForItself, decideCheckout } from '../../ownership/checkout.policy';
import { orThrow } from '../../ownership/policy-types';
import { CheckoutDto } from '../dto/issue.dto';
import { IssueBlockersService } from '../issue-blockers.service';
import { IssueReferencesService } from '../issue-references.service';
import { IssuesRepository } from '../issues.repository';
import { IssueRow, locksFor } from '../issue-row';
import { statusTimestamps } from '../../ownership/issue-invariants.policy';
import { OwnershipGateService } from './ownership-gate.service';

/** Checkout (ownership.md §3): one transaction under the issue row lock. */
@Injectable()
export class CheckoutService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly gate: OwnershipGateService,
    private readonly issues: IssuesRepository,
    private readonly blockers: IssueBlockersService,
    private readonly references: IssueReferencesService,
  ) {}

  async checkout(actor: Actor, issueId: string, dto: CheckoutDto, clearedEarlier: ClearedLocks | null): Promise<IssueRow> {
    const notForItself = checkoutForItself(actor, dto.agentId);
    if (notForItself) orThrow(notForItself);
    return this.tx.run(async (em) => {
      const locked = await this.gate.lockForWrite(em, actor, issueId, clearedEarlier);
      const issue = locked.issue;
      const agentName = actor.type === 'agent' ? actor.agentName : await this.references.assignableAgent(em, issue.company_id, dto.agentId, 'agentId');
      const decision = orThrow(decideCheckout(issue, locked.runs, actor, dto));
      if (decision.kind === 'idempotent') return issue;
      if (decision.kind === 'adopt') return this.gate.adopt(em, actor as AgentActor, issue, decision.runId, locked.clearedCheckoutRunId);
      const runId = decision.runId;
      if (issue.has_unresolved_blockers) await this.blockers.assertNoUnresolvedBlockers(em, issue.id);

      return this.issues.update(
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


}
