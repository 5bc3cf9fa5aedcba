import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { BuiltStatement } from '../database/built-statement';
import { query } from '../database/sql';
import { leaseExpired, runIsLive } from '../locks/run-liveness';
import { HeartbeatRun, type InvocationSource, type RunStatus } from './heartbeat-run.entity';
import { runColumns } from './run-reads.repository';
import type { LockedRunRow, RunRow } from './run-rows';

export interface NewRun {
  id: string;
  companyId: string;
  agentId: string;
  invocationSource: InvocationSource;
  triggerDetail: string | null;
  issueId: string | null;
  contextSnapshot: Record<string, unknown>;
}

/**
 * The run's writes and row locks, inside the caller's unit of work (`em`). Lock order: any issue
 * rows first (the caller's), then run rows, several by id.
 */
@Injectable()
export class RunsRepository {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private readonly lockOne = new BuiltStatement<{ id: string }>(() =>
    this.lockedRunColumns().where('r.id = :id').setLock('pessimistic_write'),
  );

  private readonly lockSeveralWithLiveness = new BuiltStatement<{ ids: string[]; leaseSeconds: number }>(() =>
    this.lockedRunColumns()
      .addSelect(runIsLive(':leaseSeconds', 'r'), 'live')
      .where('r.id = ANY(:ids::uuid[])')
      .orderBy('r.id')
      .setLock('pessimistic_write'),
  );

  /** The run row FOR UPDATE (the bare row, no joins); null when there is no such run. */
  async lockForEnd(em: EntityManager, runId: string): Promise<LockedRunRow | null> {
    const { text, values } = this.lockOne.statement({ id: runId });
    const [run] = await query<LockedRunRow>(em, text, values);
    return run ?? null;
  }

  /** The given runs FOR UPDATE in id order, each with `live` judged by the database clock in that statement. */
  lockSeveralForEnd(em: EntityManager, runIds: string[]): Promise<(LockedRunRow & { live: boolean })[]> {
    const { text, values } = this.lockSeveralWithLiveness.statement({ ids: runIds, leaseSeconds: this.config.runLeaseSeconds });
    return query<LockedRunRow & { live: boolean }>(em, text, values);
  }

  /**
   * The run FOR UPDATE SKIP LOCKED, but only while it is running with an expired lease by the
   * database clock; null otherwise (or when another transaction holds it). Reviewed SQL: the lease
   * predicate is the database's.
   */
  async lockIfLeaseExpired(em: EntityManager, runId: string): Promise<LockedRunRow | null> {
    const [run] = await query<LockedRunRow>(
      em,
      `SELECT id, company_id, agent_id, status, started_at, last_heartbeat_at FROM heartbeat_runs
        WHERE id = $1 AND ${leaseExpired('$2')}
        FOR UPDATE SKIP LOCKED`,
      [runId, this.config.runLeaseSeconds],
    );
    return run ?? null;
  }

  async markEnded(em: EntityManager, runId: string, status: RunStatus, error: string | null, errorCode: string | null): Promise<RunRow> {
    const [row] = await query<RunRow>(
      em,
      `UPDATE heartbeat_runs
          SET status = $2, finished_at = now(), error = $3, error_code = $4, updated_at = now()
        WHERE id = $1
        RETURNING ${runColumns('$5')}`,
      [runId, status, error, errorCode, this.config.runLeaseSeconds],
    );
    return row;
  }

  async insertQueued(em: EntityManager, run: NewRun): Promise<RunRow> {
    const [row] = await query<RunRow>(
      em,
      `INSERT INTO heartbeat_runs (company_id, agent_id, invocation_source, trigger_detail, status, issue_id, context_snapshot, id)
       VALUES ($1, $2, $3, $4, 'queued', $5, $6, $8)
       RETURNING ${runColumns('$7')}`,
      [
        run.companyId,
        run.agentId,
        run.invocationSource,
        run.triggerDetail,
        run.issueId,
        JSON.stringify(run.contextSnapshot),
        this.config.runLeaseSeconds,
        run.id,
      ],
    );
    return row;
  }

  /** queued → running (compare-and-set); null when the run was not queued. */
  async startIfQueued(em: EntityManager, runId: string): Promise<RunRow | null> {
    const [row] = await query<RunRow>(
      em,
      `UPDATE heartbeat_runs
          SET status = 'running', started_at = now(), last_heartbeat_at = now(), updated_at = now()
        WHERE id = $1 AND status = 'queued'
        RETURNING ${runColumns('$2')}`,
      [runId, this.config.runLeaseSeconds],
    );
    return row ?? null;
  }

  /** Renews the lease while the run is live by the database clock; null when it is not. */
  async renewLeaseIfLive(em: EntityManager, runId: string): Promise<RunRow | null> {
    const [row] = await query<RunRow>(
      em,
      `UPDATE heartbeat_runs SET last_heartbeat_at = now(), updated_at = now()
        WHERE id = $1 AND ${runIsLive('$2')}
        RETURNING ${runColumns('$2')}`,
      [runId, this.config.runLeaseSeconds],
    );
    return row ?? null;
  }

  async statusOf(em: EntityManager, runId: string): Promise<RunStatus | null> {
    const [row] = await query<{ status: RunStatus }>(em, 'SELECT status FROM heartbeat_runs WHERE id = $1', [runId]);
    return row?.status ?? null;
  }

  /** Whether the issue exists in the company (read in SQL: Runs never imports Issues). */
  async issueInCompany(em: EntityManager, issueId: string, companyId: string): Promise<boolean> {
    const rows = await query<{ id: string }>(em, 'SELECT id FROM issues WHERE id = $1 AND company_id = $2', [issueId, companyId]);
    return rows.length > 0;
  }

  private lockedRunColumns() {
    return this.dataSource
      .createQueryBuilder()
      .select('r.id', 'id')
      .addSelect('r.companyId', 'company_id')
      .addSelect('r.agentId', 'agent_id')
      .addSelect('r.status', 'status')
      .addSelect('r.startedAt', 'started_at')
      .addSelect('r.lastHeartbeatAt', 'last_heartbeat_at')
      .from(HeartbeatRun, 'r');
  }
}
