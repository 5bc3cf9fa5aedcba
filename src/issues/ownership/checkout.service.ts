import { Injectable } from '@nestjs/common';
import { auditActor } from '../../audit/audit.service';
import type { Actor, AgentActor } from '../../auth/actor';
import { TransactionRunner } from '../../database/transaction-runner';
import { ClaspMetrics } from '../../metrics/clasp-metrics';
import { outcomeCodeOf } from '../../metrics/outcome-code';
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
    private readonly metrics: ClaspMetrics,
  ) {}

  /** Counts every answer by outcome (clasp_checkouts_total): how often agents collide is an operator's first question. */
  async checkout(actor: Actor, issueId: string, dto: CheckoutDto, clearedEarlier: ClearedLocks | null): Promise<IssueRow> {
    const outcome: { kind: string } = { kind: 'checked_out' };
    try {
      const issue = await this.checkoutOnce(actor, issueId, dto, clearedEarlier, outcome);
      this.metrics.checkouts.inc({ outcome: outcome.kind });
      return issue;
    } catch (error) {
      this.metrics.checkouts.inc({ outcome: outcomeCodeOf(error) });
      throw error;
    }
  }

  private checkoutOnce(actor: Actor, issueId: string, dto: CheckoutDto, clearedEarlier: ClearedLocks | null, outcome: { kind: string }): Promise<IssueRow> {
    const notForItself = checkoutForItself(actor, dto.agentId);
    if (notForItself) orThrow(notForItself);
    return this.tx.run(async (em) => {
      const locked = await this.gate.lockForWrite(em, actor, issueId, clearedEarlier);
      const issue = locked.issue;
      const agentName = actor.type === 'agent' ? actor.agentName : await this.references.assignableAgent(em, issue.company_id, dto.agentId, 'agentId');
      const decision = orThrow(decideCheckout(issue, locked.runs, actor, dto));
      outcome.kind = decision.kind === 'idempotent' ? 'idempotent' : decision.kind === 'adopt' ? 'adopted' : 'checked_out';
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
