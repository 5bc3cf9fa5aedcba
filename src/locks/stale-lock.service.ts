import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService, SYSTEM_ACTOR } from '../audit/audit.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { query } from '../database/sql';
import { holderStates } from '../ownership/liveness.policy';
import { LocksToClear, locksOfRun, staleLocks } from '../ownership/stale-locks.policy';
import { hasStaleLockSql, IssueLockRow, LockedRuns, lockRuns } from './lock-holders';

export type ClearSource = 'request' | 'sweeper' | 'run_finished' | 'run_cancelled' | 'run_timed_out';

export interface ClearedLocks {
  clearedCheckoutRunId: string | null;
  clearedExecutionRunId: string | null;
}

const ISSUE_LOCK_COLUMNS = 'id, company_id, checkout_run_id, execution_run_id';

/**
 * The single implementation of stale-lock clearing (ownership.md §6), shared by the issue routes,
 * the run lifecycle and the sweeper. Every method takes the caller's transaction.
 */
@Injectable()
export class StaleLockService {
  constructor(
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Locks the issue row, then clears whichever of its locks names a run that holds nothing. */
  async clearStaleLocks(em: EntityManager, issueId: string, source: ClearSource = 'request'): Promise<ClearedLocks | null> {
    const [issue]: IssueLockRow[] = await query(em, `SELECT ${ISSUE_LOCK_COLUMNS} FROM issues WHERE id = $1 FOR UPDATE`, [issueId]);
    if (!issue) return null;
    return this.clearIfStale(em, issue, source);
  }

  /**
   * For an issue row the caller has already locked FOR UPDATE. `runs` may carry the holder runs
   * already locked FOR SHARE in this transaction (saves a round trip).
   */
  async clearIfStale(em: EntityManager, issue: IssueLockRow, source: ClearSource, runs?: LockedRuns): Promise<ClearedLocks | null> {
    if (!issue.checkout_run_id && !issue.execution_run_id) return null;
    const holders = runs ?? (await lockRuns(em, [issue.checkout_run_id, issue.execution_run_id], this.config.runLeaseSeconds));
    const stale = staleLocks(issue, holders);
    return stale ? this.clear(em, issue, stale, holderStates(issue, holders), source) : null;
  }

  /**
   * Run end (ownership.md §7), part 1, before the run row is locked: lock every issue that names
   * the run, in id order, keeping the issue-then-run lock order.
   */
  async lockIssuesReferencingRun(em: EntityManager, runId: string): Promise<IssueLockRow[]> {
    return query(
      em,
      `SELECT ${ISSUE_LOCK_COLUMNS} FROM issues WHERE checkout_run_id = $1 OR execution_run_id = $1 ORDER BY id FOR UPDATE`,
      [runId],
    );
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
    const late: IssueLockRow[] = await query(
      em,
      `SELECT ${ISSUE_LOCK_COLUMNS} FROM issues
        WHERE (checkout_run_id = $1 OR execution_run_id = $1) AND NOT (id = ANY($2::uuid[]))
        ORDER BY id FOR UPDATE SKIP LOCKED`,
      [runId, [...locked.map((i) => i.id), ...untouched]],
    );
    let cleared = 0;
    for (const issue of [...locked, ...late]) {
      const ofRun = locksOfRun(issue, runId);
      if (ofRun && (await this.clear(em, issue, ofRun, { [runId]: runStatus }, source))) cleared++;
    }
    return cleared;
  }

  /** Sweeper: clears stale locks on up to `limit` issues no one else is working on right now. */
  async sweep(em: EntityManager, limit = 200): Promise<number> {
    const issues: IssueLockRow[] = await query(
      em,
      `SELECT ${ISSUE_LOCK_COLUMNS} FROM issues i
        WHERE ${hasStaleLockSql('$2')}
        ORDER BY i.id
        LIMIT $1
        FOR UPDATE OF i SKIP LOCKED`,
      [limit, this.config.runLeaseSeconds],
    );
    let cleared = 0;
    for (const issue of issues) if (await this.clearIfStale(em, issue, 'sweeper')) cleared++;
    return cleared;
  }

  /** Compare-and-clear: only the values observed are cleared, with one audit row. */
  private async clear(em: EntityManager, issue: IssueLockRow, locks: LocksToClear, runStatuses: Record<string, string>, source: ClearSource): Promise<ClearedLocks | null> {
    const { checkoutRunId, executionRunId } = locks;
    const updated = await query<{ id: string }>(
      em,
      `UPDATE issues SET
          checkout_run_id = CASE WHEN $2::uuid IS NOT NULL THEN NULL ELSE checkout_run_id END,
          execution_run_id = CASE WHEN $3::uuid IS NOT NULL THEN NULL ELSE execution_run_id END,
          execution_agent_name_key = CASE WHEN $3::uuid IS NOT NULL THEN NULL ELSE execution_agent_name_key END,
          execution_locked_at = CASE WHEN $3::uuid IS NOT NULL THEN NULL ELSE execution_locked_at END
        WHERE id = $1
          AND ($2::uuid IS NULL OR checkout_run_id = $2::uuid)
          AND ($3::uuid IS NULL OR execution_run_id = $3::uuid)
        RETURNING id`,
      [issue.id, checkoutRunId, executionRunId],
    );
    if (updated.length === 0) return null;
    const cleared = { clearedCheckoutRunId: checkoutRunId, clearedExecutionRunId: executionRunId };
    await this.audit.record(em, {
      companyId: issue.company_id,
      ...SYSTEM_ACTOR,
      action: 'issue.stale_lock_cleared',
      entityType: 'issue',
      entityId: issue.id,
      details: { ...cleared, runStatuses, source },
    });
    return cleared;
  }
}
