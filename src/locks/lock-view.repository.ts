import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { query } from '../database/sql';
import { leaseEnd, runIsLive } from './run-liveness';

export interface HeldLockRow {
  issue_id: string;
  identifier: string | null;
  title: string;
  status: string;
  assignee_agent_id: string | null;
  assignee_user_id: string | null;
  checkout_run_id: string | null;
  checkout_run_status: string | null;
  checkout_run_live: boolean;
  checkout_lease_ends_at: Date | null;
  execution_run_id: string | null;
  execution_run_status: string | null;
  execution_run_live: boolean;
  execution_lease_ends_at: Date | null;
  execution_agent_name_key: string | null;
  locked_since: Date;
  lock_age_seconds: number;
  stale: boolean;
  database_now: Date;
}

const holder = (prefix: string, alias: string) => `
       ${alias}.status AS ${prefix}_run_status,
       coalesce(${runIsLive('$2', alias)}, false) AS ${prefix}_run_live,
       CASE WHEN ${alias}.status = 'running' THEN ${leaseEnd('$2', alias)} END AS ${prefix}_lease_ends_at`;

// A lock is stale when a run it names is not live — a missing run counts as ended (ownership.md §1).
const HELD_LOCKS = `
  SELECT * FROM (
    SELECT i.id AS issue_id, i.identifier, i.title, i.status, i.assignee_agent_id, i.assignee_user_id,
           i.checkout_run_id, ${holder('checkout', 'cr')},
           i.execution_run_id, ${holder('execution', 'er')},
           i.execution_agent_name_key,
           coalesce(i.execution_locked_at, i.started_at, i.updated_at) AS locked_since,
           round(extract(epoch FROM now() - coalesce(i.execution_locked_at, i.started_at, i.updated_at)))::int AS lock_age_seconds,
           ((i.checkout_run_id IS NOT NULL AND NOT coalesce(${runIsLive('$2', 'cr')}, false))
             OR (i.execution_run_id IS NOT NULL AND NOT coalesce(${runIsLive('$2', 'er')}, false))) AS stale,
           now() AS database_now
      FROM issues i
      LEFT JOIN heartbeat_runs cr ON cr.id = i.checkout_run_id
      LEFT JOIN heartbeat_runs er ON er.id = i.execution_run_id
     WHERE i.company_id = $1 AND i.status = 'in_progress'
       AND (i.checkout_run_id IS NOT NULL OR i.execution_run_id IS NOT NULL)
  ) held
  WHERE held.stale OR NOT $3::boolean
  ORDER BY held.locked_since, held.issue_id`;

/** Read-only: every lock held in a company, judged by the database clock (never locks a row). */
@Injectable()
export class LockViewRepository {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  heldLocks(companyId: string, onlyStale: boolean): Promise<HeldLockRow[]> {
    return query<HeldLockRow>(this.dataSource.manager, HELD_LOCKS, [companyId, this.config.runLeaseSeconds, onlyStale]);
  }
}
