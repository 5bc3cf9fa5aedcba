import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { query } from '../database/sql';
import { runColumns, RunRow } from './run-rows';
import { MAX_RUN_LIST_LIMIT } from './runs.dto';

/** A run with its agent's name and adapter, as Paperclip's live-run lists show it. */
export interface LiveRunRow extends RunRow {
  agent_name: string;
  adapter_type: string;
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

/** Reads of live runs (Paperclip's active-run / live-runs routes and the inbox's activeRun). */
@Injectable()
export class LiveRunsService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async activeForIssue(companyId: string, issueId: string): Promise<LiveRunRow | null> {
    const [run] = await this.withAgents(`${WORKING_ON_ISSUE('$2', '$3')} ORDER BY ${ACTIVE_FIRST('$3')} LIMIT 1`, [companyId, issueId]);
    return run ?? null;
  }

  forIssue(companyId: string, issueId: string): Promise<LiveRunRow[]> {
    return this.withAgents(`${WORKING_ON_ISSUE('$2', '$3')} ORDER BY created_at DESC, id DESC LIMIT ${MAX_RUN_LIST_LIMIT}`, [companyId, issueId]);
  }

  forCompany(companyId: string): Promise<LiveRunRow[]> {
    return this.withAgents(`company_id = $2 AND ${LIVE} ORDER BY created_at DESC, id DESC LIMIT ${MAX_RUN_LIST_LIMIT}`, [companyId]);
  }

  /** The active run of each issue (issues without one are absent from the map). */
  async activeForIssues(companyId: string, issueIds: string[]): Promise<Map<string, RunRow>> {
    if (issueIds.length === 0) return new Map();
    const rows: (RunRow & { for_issue_id: string })[] = await query(
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

  /** `where` may order and limit the runs; the rows come back newest first. */
  private withAgents(where: string, params: unknown[]): Promise<LiveRunRow[]> {
    return query(
      this.dataSource.manager,
      `SELECT r.*, a.name AS agent_name, a.adapter_type
         FROM (SELECT ${runColumns('$1')} FROM heartbeat_runs WHERE ${where}) r
         JOIN agents a ON a.id = r.agent_id
        ORDER BY r.created_at DESC, r.id DESC`,
      [this.config.runLeaseSeconds, ...params],
    );
  }
}
