import { Injectable } from '@nestjs/common';
import { auditActor } from '../../audit/audit.service';
import type { Actor, BoardActor } from '../../auth/actor';
import { TransactionRunner } from '../../database/transaction-runner';
import { RunEndService } from '../../runs/run-end.service';
import type { ClearedLocks } from '../../locks/stale-lock.service';
import { IssueChanges, IssueRow, NO_LOCKS } from '../issue-row';
import { IssuesRepository } from '../issues.repository';
import { statusTimestamps } from '../../ownership/issue-invariants.policy';
import { decideRelease } from '../../ownership/release.policy';
import { OwnershipGateService } from './ownership-gate.service';

export interface ForceReleaseResult {
  issue: IssueRow;
  previous: { checkoutRunId: string | null; executionRunId: string | null; cancelledRunIds: string[] };
}

/** Release (ownership.md §5) and the board's force-release (§9). */
@Injectable()
export class ReleaseService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly gate: OwnershipGateService,
    private readonly runEnd: RunEndService,
    private readonly issues: IssuesRepository,
  ) {}

  async release(actor: Actor, issueId: string, clearedEarlier: ClearedLocks | null): Promise<IssueRow> {
    return this.tx.run(async (em) => {
      const locked = await this.gate.lockForWrite(em, actor, issueId, clearedEarlier);
      const issue = await this.gate.pass(em, actor, locked, { release: true });
      const plan = decideRelease(issue);
      const changes: IssueChanges = { ...NO_LOCKS, ...statusTimestamps(issue.status, plan.status), status: plan.status };
      if (plan.clearAgentAssignee) changes.assignee_agent_id = null;
      const audit = {
        companyId: issue.company_id,
        ...auditActor(actor),
        action: 'issue.released',
        entityType: 'issue',
        entityId: issue.id,
        details: {
          previousStatus: issue.status,
          status: plan.status,
          previousAssigneeAgentId: issue.assignee_agent_id,
          previousCheckoutRunId: issue.checkout_run_id,
          previousExecutionRunId: issue.execution_run_id,
        },
      };
      return this.issues.update(em, issue.id, changes, audit);
    });
  }

  /**
   * Not ownership-checked: no stale-lock clearing first, so `previous` is the row as it stood. The
   * holder runs still live are cancelled (revoked) in the same transaction.
   */
  async forceRelease(actor: BoardActor, issueId: string, clearAssignee: boolean): Promise<ForceReleaseResult> {
    return this.tx.run(async (em) => {
      const issue = await this.issues.lock(em, issueId);
      const cancelledRunIds = await this.runEnd.revokeHolders(em, actor, issue);
      const previous = { checkoutRunId: issue.checkout_run_id, executionRunId: issue.execution_run_id, cancelledRunIds };
      const changes: IssueChanges = { ...NO_LOCKS };
      if (clearAssignee) changes.assignee_agent_id = null;
      const audit = {
        companyId: issue.company_id,
        ...auditActor(actor),
        action: 'issue.admin_force_release',
        entityType: 'issue',
        entityId: issue.id,
        details: {
          issueId: issue.id,
          actorUserId: actor.userId,
          prevCheckoutRunId: previous.checkoutRunId,
          prevExecutionRunId: previous.executionRunId,
          clearAssignee,
          cancelledRunIds,
        },
      };
      const released = await this.issues.update(em, issue.id, changes, audit);
      return { issue: released, previous };
    });
  }
}
