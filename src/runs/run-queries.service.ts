import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { notFound } from '../common/domain-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { RunStatus } from './heartbeat-run.entity';
import { runColumns, RunRow } from './run-rows';
import { DEFAULT_RUN_LIST_LIMIT, MAX_RUN_LIST_LIMIT } from './runs.dto';
import { query } from '../database/sql';

/** Reads of runs, outside any transaction; every row carries its database-computed lease end. */
@Injectable()
export class RunQueriesService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async get(runId: string): Promise<RunRow> {
    const run = await this.find(runId);
    if (!run) throw notFound('Run', { runId });
    return run;
  }

  async find(runId: string): Promise<RunRow | null> {
    const [run]: RunRow[] = await query(this.dataSource.manager, `SELECT ${runColumns('$2')} FROM heartbeat_runs WHERE id = $1`, [
      runId,
      this.config.runLeaseSeconds,
    ]);
    return run ?? null;
  }

  list(companyId: string, filter: { agentId?: string; status?: RunStatus[]; limit?: number }): Promise<RunRow[]> {
    return query(
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

  /**
   * Runs that touched an issue: woken for it, named by an audit row of the issue, or holding one
   * of its locks right now. Newest first.
   */
  listForIssue(companyId: string, issueId: string): Promise<RunRow[]> {
    return query(
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
}
