import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { query } from '../database/sql';
import { leaseEnd, leaseExpired } from '../locks/run-liveness';
import type { RunStatus } from './heartbeat-run.entity';
import type { LiveRunRow, RunRow } from './run-rows';
import { DEFAULT_RUN_LIST_LIMIT, MAX_RUN_LIST_LIMIT } from './runs.dto';

/** The column list of every run read; `leaseSecondsParam` is the placeholder bound to RUN_LEASE_SECONDS. */
export function runColumns(leaseSecondsParam: string): string {
  return `id, company_id, agent_id, status, invocation_source, trigger_detail, issue_id, started_at, finished_at,
          last_heartbeat_at, error, error_code, created_at, updated_at,
          CASE WHEN status = 'running' THEN ${leaseEnd(leaseSecondsParam)} END AS lease_expires_at`;
}

/** Queued or running: the runs that are (about to be) working. */
const LIVE = `status IN ('queued', 'running')`;

/**
 * The runs working on an issue: the holder of its execution or checkout lock, or a run woken for
 * it. Bound to `$issueParam`; `$companyParam` keeps the read inside the issue's company.
 */
const WORKING_ON_ISSUE = (companyParam: string, issueParam: string) => `company_id = ${companyParam} AND ${LIVE}
  AND (issue_id = ${issueParam}
    OR id IN (SELECT execution_run_id FROM issues WHERE id = ${issueParam} AND execution_run_id IS NOT NULL
              UNION
              SELECT checkout_run_id FROM issues WHERE id = ${issueParam} AND checkout_run_id IS NOT NULL))`;

/** A running run before a queued one, then the lock holder, then the newest. */
const ACTIVE_FIRST = (issueParam: string) => `(status = 'running') DESC,
  (id IS NOT DISTINCT FROM (SELECT execution_run_id FROM issues WHERE id = ${issueParam})) DESC, created_at DESC, id DESC`;

export interface RunListFilter {
  agentId?: string;
  status?: RunStatus[];
  limit?: number;
}

/**
 * Lock-free reads of heartbeat_runs, by default outside any transaction (the pool); every row
 * carries its lease end computed by the database clock. Issue tables are read in SQL only.
 */
@Injectable()
export class RunReadsRepository {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async find(runId: string, em: EntityManager = this.dataSource.manager): Promise<RunRow | null> {
    const [run] = await query<RunRow>(em, `SELECT ${runColumns('$2')} FROM heartbeat_runs WHERE id = $1`, [runId, this.config.runLeaseSeconds]);
    return run ?? null;
  }

  list(companyId: string, filter: RunListFilter): Promise<RunRow[]> {
    return query<RunRow>(
      this.dataSource.manager,
      `SELECT ${runColumns('$2')} FROM heartbeat_runs
        WHERE company_id = $1
          AND ($3::uuid IS NULL OR agent_id = $3::uuid)
          AND ($4::text[] IS NULL OR status = ANY($4::text[]))
        ORDER BY created_at DESC, id DESC
        LIMIT $5`,
      [companyId, this.config.runLeaseSeconds, filter.agentId ?? null, filter.status ?? null, filter.limit ?? DEFAULT_RUN_LIST_LIMIT],
    );
  }

  /** Runs woken for the issue, named by one of its audit rows, or holding one of its locks. Newest first. */
  listForIssue(companyId: string, issueId: string): Promise<RunRow[]> {
    return query<RunRow>(
      this.dataSource.manager,
      `SELECT ${runColumns('$3')} FROM heartbeat_runs
        WHERE company_id = $1
          AND (issue_id = $2
            OR id IN (SELECT run_id FROM activity_log
                       WHERE entity_type = 'issue' AND entity_id = $2::text AND run_id IS NOT NULL)
            OR id IN (SELECT checkout_run_id FROM issues WHERE id = $2 AND checkout_run_id IS NOT NULL
                      UNION
                      SELECT execution_run_id FROM issues WHERE id = $2 AND execution_run_id IS NOT NULL))
        ORDER BY created_at DESC, id DESC
        LIMIT $4`,
      [companyId, issueId, this.config.runLeaseSeconds, MAX_RUN_LIST_LIMIT],
    );
  }

  /** The live run working on the issue: a running one first, then its lock holder, then the newest. */
  async activeForIssue(companyId: string, issueId: string): Promise<LiveRunRow | null> {
    const [run] = await this.withAgents(`${WORKING_ON_ISSUE('$2', '$3')} ORDER BY ${ACTIVE_FIRST('$3')} LIMIT 1`, [companyId, issueId]);
    return run ?? null;
  }

  liveForIssue(companyId: string, issueId: string): Promise<LiveRunRow[]> {
    return this.withAgents(`${WORKING_ON_ISSUE('$2', '$3')} ORDER BY created_at DESC, id DESC LIMIT ${MAX_RUN_LIST_LIMIT}`, [companyId, issueId]);
  }

  liveForCompany(companyId: string): Promise<LiveRunRow[]> {
    return this.withAgents(`company_id = $2 AND ${LIVE} ORDER BY created_at DESC, id DESC LIMIT ${MAX_RUN_LIST_LIMIT}`, [companyId]);
  }

  /** The active run of each issue, by issue id (issues without one are absent). */
  async activeForIssues(companyId: string, issueIds: string[]): Promise<Map<string, RunRow>> {
    const rows = await query<RunRow & { for_issue_id: string }>(
      this.dataSource.manager,
      `SELECT DISTINCT ON (i.id) i.id AS for_issue_id, r.*
         FROM issues i
         JOIN (SELECT ${runColumns('$1')} FROM heartbeat_runs WHERE company_id = $2 AND ${LIVE}) r
           ON r.issue_id = i.id OR r.id = i.execution_run_id OR r.id = i.checkout_run_id
        WHERE i.id = ANY($3::uuid[])
        ORDER BY i.id, (r.status = 'running') DESC, (r.id IS NOT DISTINCT FROM i.execution_run_id) DESC, r.created_at DESC, r.id DESC`,
      [this.config.runLeaseSeconds, companyId, issueIds],
    );
    return new Map(rows.map(({ for_issue_id, ...run }) => [for_issue_id, run]));
  }

  /** Ids of runs still `running` whose lease ran out by the database clock, read without locks. */
  async expiredLeaseIds(limit: number): Promise<string[]> {
    const rows = await query<{ id: string }>(
      this.dataSource.manager,
      `SELECT id FROM heartbeat_runs WHERE ${leaseExpired('$1')} ORDER BY id LIMIT $2`,
      [this.config.runLeaseSeconds, limit],
    );
    return rows.map((row) => row.id);
  }

  /** `where` may order and limit the runs; the rows come back newest first. */
  private withAgents(where: string, params: unknown[]): Promise<LiveRunRow[]> {
    return query<LiveRunRow>(
      this.dataSource.manager,
      `SELECT r.*, a.name AS agent_name, a.adapter_type
         FROM (SELECT ${runColumns('$1')} FROM heartbeat_runs WHERE ${where}) r
         JOIN agents a ON a.id = r.agent_id
        ORDER BY r.created_at DESC, r.id DESC`,
      [this.config.runLeaseSeconds, ...params],
    );
  }
}
