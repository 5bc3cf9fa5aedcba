import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService, SYSTEM_ACTOR } from '../audit/audit.service';
import { afterCommit } from '../database/after-commit';
import { ClaspMetrics } from '../metrics/clasp-metrics';
import { holderStates } from '../ownership/liveness.policy';
import { LocksToClear, locksOfRun, staleLocks } from '../ownership/stale-locks.policy';
import { IssueLockRow, LockedRuns } from './lock-holders';
import { IssueLocksRepository } from './issue-locks.repository';

export type ClearSource = 'request' | 'sweeper' | 'run_finished' | 'run_cancelled' | 'run_timed_out';

export interface ClearedLocks {
  clearedCheckoutRunId: string | null;
  clearedExecutionRunId: string | null;
}

/**
 * The single implementation of stale-lock clearing (ownership.md §6), shared by the issue routes,
 * the run lifecycle and the sweeper. Every method takes the caller's transaction.
 */
@Injectable()
export class StaleLockService {
  private readonly logger = new Logger('Locks');

  constructor(
    private readonly audit: AuditService,
    private readonly locks: IssueLocksRepository,
    private readonly metrics: ClaspMetrics,
  ) {}

  /** Locks the issue row, then clears whichever of its locks names a run that holds nothing. */
  async clearStaleLocks(em: EntityManager, issueId: string, source: ClearSource = 'request'): Promise<ClearedLocks | null> {
    const issue = await this.locks.lockIssue(em, issueId);
    return issue ? this.clearIfStale(em, issue, source) : null;
  }

  /**
   * For an issue row the caller has already locked FOR UPDATE. `runs` may carry the holder runs
   * already locked FOR SHARE in this transaction (saves a round trip).
   */
  async clearIfStale(em: EntityManager, issue: IssueLockRow, source: ClearSource, runs?: LockedRuns): Promise<ClearedLocks | null> {
    if (!issue.checkout_run_id && !issue.execution_run_id) return null;
    const holders = runs ?? (await this.locks.lockRuns(em, [issue.checkout_run_id, issue.execution_run_id]));
    const stale = staleLocks(issue, holders);
    return stale ? this.clear(em, issue, stale, holderStates(issue, holders), source) : null;
  }

  /**
   * Run end (ownership.md §7), part 1, before the run row is locked: lock every issue that names
   * the run, in id order, keeping the issue-then-run lock order.
   */
  lockIssuesReferencingRun(em: EntityManager, runId: string): Promise<IssueLockRow[]> {
    return this.locks.lockIssuesOfRun(em, runId);
  }

  /**
   * Run end, part 2, after the run became terminal: clear its locks on the issues locked in part 1,
   * then on any issue that took a lock from it in between (skipping rows busy elsewhere, which
   * the next request or the sweeper clears). Compare-and-clear: a successor's lock is never touched.
   * `untouched`: issues the caller clears itself (force-release of its own issue).
   */
  async releaseLocksOfRun(
    em: EntityManager,
    runId: string,
    runStatus: string,
    locked: IssueLockRow[],
    source: ClearSource,
    untouched: string[] = [],
  ): Promise<number> {
    const late = await this.locks.lockLateIssuesOfRun(em, runId, [...locked.map((i) => i.id), ...untouched]);
    let cleared = 0;
    for (const issue of [...locked, ...late]) {
      const ofRun = locksOfRun(issue, runId);
      if (ofRun && (await this.clear(em, issue, ofRun, { [runId]: runStatus }, source))) cleared++;
    }
    return cleared;
  }

  /** Sweeper: clears stale locks on up to `limit` issues no one else is working on right now. */
  async sweep(em: EntityManager, limit = 200): Promise<number> {
    let cleared = 0;
    for (const issue of await this.locks.lockStaleIssues(em, limit)) if (await this.clearIfStale(em, issue, 'sweeper')) cleared++;
    return cleared;
  }

  /** Compare-and-clear (only the values observed), with one audit row. */
  private async clear(em: EntityManager, issue: IssueLockRow, locks: LocksToClear, runStatuses: Record<string, string>, source: ClearSource): Promise<ClearedLocks | null> {
    if (!(await this.locks.clear(em, issue.id, locks))) return null;
    const cleared = { clearedCheckoutRunId: locks.checkoutRunId, clearedExecutionRunId: locks.executionRunId };
    await this.audit.record(em, {
      companyId: issue.company_id,
      ...SYSTEM_ACTOR,
      action: 'issue.stale_lock_cleared',
      entityType: 'issue',
      entityId: issue.id,
      details: { ...cleared, runStatuses, source },
    });
    afterCommit(em, () => {
      this.metrics.staleLocksCleared.inc({ source });
      this.logger.log({ issueId: issue.id, ...cleared, runStatuses, source }, 'stale lock cleared');
    });
    return cleared;
  }
}
