import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService, auditActor, SYSTEM_ACTOR } from '../audit/audit.service';
import type { Actor, BoardActor } from '../auth/actor';
import { DomainError, notFound } from '../common/domain-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { afterCommit } from '../database/after-commit';
import { TransactionRunner } from '../database/transaction-runner';
import { ClaspMetrics } from '../metrics/clasp-metrics';
import type { IssueLockRow } from '../locks/lock-holders';
import { ClearSource, StaleLockService } from '../locks/stale-lock.service';
import { holdersToRevoke } from '../ownership/release.policy';
import { TERMINAL_RUN_STATUSES } from './heartbeat-run.entity';
import { assertRunAgent } from './run-access';
import { RunQueriesService } from './run-queries.service';
import type { LockedRunRow, RunRow } from './run-rows';
import { RunsRepository } from './runs.repository';
import type { FinishStatus } from './runs.dto';

/** What a queued (never started) run may end as: it did no work, so it cannot have succeeded or timed out. */
const QUEUED_END_STATUSES: readonly FinishStatus[] = ['cancelled', 'failed'];

export interface EndRequest {
  status: FinishStatus;
  error?: string | null;
  errorCode?: string | null;
}

/**
 * The end of a run (ownership.md §7): the run becomes terminal and, in the same transaction, every
 * checkout and execution lock naming it is cleared. Lock order: the issues naming the run first,
 * then the run row.
 */
@Injectable()
export class RunEndService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly staleLocks: StaleLockService,
    private readonly queries: RunQueriesService,
    private readonly runs: RunsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: ClaspMetrics,
  ) {}

  /** Finish (the run's agent or an operator) or cancel (an operator). */
  async end(actor: Actor, runId: string, request: EndRequest, route: 'finish' | 'cancel'): Promise<RunRow> {
    // A run's agent never changes, so who may end it is decided before any lock is taken.
    assertRunAgent(actor, await this.queries.get(runId));
    return this.tx.run(async (em) => {
      const issues = await this.staleLocks.lockIssuesReferencingRun(em, runId);
      const run = await this.runs.lockForEnd(em, runId);
      if (!run) throw notFound('Run', { runId });
      this.assertMayEnd(run, request.status);

      const ended = await this.runs.markEnded(em, runId, request.status, request.error ?? null, request.errorCode ?? null);
      const cancelled = request.status === 'cancelled';
      await this.audit.record(em, {
        companyId: run.company_id,
        ...auditActor(actor),
        agentId: run.agent_id,
        runId,
        action: cancelled ? 'heartbeat.cancelled' : 'heartbeat.finished',
        entityType: 'heartbeat_run',
        entityId: runId,
        details: {
          status: request.status,
          previousStatus: run.status,
          error: request.error ?? null,
          errorCode: request.errorCode ?? null,
          via: route,
          callerRunId: actor.type === 'agent' ? actor.runId : null,
        },
      });
      const source: ClearSource = cancelled ? 'run_cancelled' : 'run_finished';
      await this.staleLocks.releaseLocksOfRun(em, runId, request.status, issues, source);
      afterCommit(em, () => this.metrics.runsFinished.inc({ status: request.status }));
      return ended;
    });
  }

  /**
   * Times the run out if, by the database clock, it is still running with an expired lease; else
   * does nothing. Safe to call from several processes at once: the run row is taken with SKIP
   * LOCKED and re-checked, so only one caller ends it and writes its audit rows.
   */
  timeOutIfExpired(runId: string): Promise<boolean> {
    return this.tx.run(async (em) => {
      const issues = await this.staleLocks.lockIssuesReferencingRun(em, runId);
      const run = await this.runs.lockIfLeaseExpired(em, runId);
      if (!run) return false;
      const error = `No heartbeat for ${this.config.runLeaseSeconds} seconds: lease expired`;
      await this.runs.markEnded(em, runId, 'timed_out', error, 'lease_expired');
      await this.audit.record(em, {
        companyId: run.company_id,
        ...SYSTEM_ACTOR,
        agentId: run.agent_id,
        runId,
        action: 'heartbeat.timed_out',
        entityType: 'heartbeat_run',
        entityId: runId,
        details: {
          previousStatus: run.status,
          startedAt: run.started_at,
          lastHeartbeatAt: run.last_heartbeat_at,
          leaseSeconds: this.config.runLeaseSeconds,
        },
      });
      await this.staleLocks.releaseLocksOfRun(em, runId, 'timed_out', issues, 'run_timed_out');
      afterCommit(em, () => {
        this.metrics.runsTimedOut.inc();
        this.metrics.runsFinished.inc({ status: 'timed_out' });
      });
      return true;
    });
  }

  /**
   * Force-release (ownership.md §9) revokes the holder: every given run that is still live is
   * cancelled in the caller's transaction, so it cannot re-adopt the issue by writing. The caller
   * already holds the issue row (issue, then run) and clears that issue's locks itself; the runs'
   * locks on other issues are released as on any cancel. Returns the cancelled run ids.
   */
  async revokeHolders(em: EntityManager, actor: BoardActor, issue: IssueLockRow): Promise<string[]> {
    const holders = [issue.checkout_run_id, issue.execution_run_id].filter((id): id is string => !!id);
    if (holders.length === 0) return [];
    const locked = await this.runs.lockSeveralForEnd(em, holders);
    const revoke = new Set(holdersToRevoke(issue, new Map(locked.map((run) => [run.id, run]))));
    const issueId = issue.id;
    const live = locked.filter((run) => revoke.has(run.id));
    for (const run of live) {
      await this.runs.markEnded(em, run.id, 'cancelled', 'Revoked by a board force-release of its issue', 'force_released');
      await this.audit.record(em, {
        companyId: run.company_id,
        ...auditActor(actor),
        agentId: run.agent_id,
        runId: run.id,
        action: 'heartbeat.cancelled',
        entityType: 'heartbeat_run',
        entityId: run.id,
        details: { status: 'cancelled', previousStatus: run.status, errorCode: 'force_released', source: 'admin_force_release', issueId },
      });
      await this.staleLocks.releaseLocksOfRun(em, run.id, 'cancelled', [], 'run_cancelled', [issueId]);
      afterCommit(em, () => this.metrics.runsFinished.inc({ status: 'cancelled' }));
    }
    return live.map((run) => run.id);
  }

  private assertMayEnd(run: LockedRunRow, status: FinishStatus): void {
    if (TERMINAL_RUN_STATUSES.includes(run.status)) {
      throw new DomainError('run_state_conflict', `The run already ended as ${run.status}`, { runId: run.id, status: run.status });
    }
    if (run.status === 'queued' && !QUEUED_END_STATUSES.includes(status)) {
      throw new DomainError('run_state_conflict', `A queued run can only end as ${QUEUED_END_STATUSES.join(' or ')}`, {
        runId: run.id,
        status: run.status,
        requested: status,
        allowed: QUEUED_END_STATUSES,
      });
    }
  }
}
