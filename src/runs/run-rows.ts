import { leaseEnd } from '../locks/run-liveness';
import type { InvocationSource, RunStatus } from './heartbeat-run.entity';

/** A heartbeat_runs row as the run SQL returns it, with the lease computed by the database. */
export interface RunRow {
  id: string;
  company_id: string;
  agent_id: string;
  status: RunStatus;
  invocation_source: InvocationSource;
  trigger_detail: string | null;
  issue_id: string | null;
  started_at: Date | null;
  finished_at: Date | null;
  last_heartbeat_at: Date | null;
  error: string | null;
  error_code: string | null;
  created_at: Date;
  updated_at: Date;
  lease_expires_at: Date | null;
}

/** The column list of every run read; `leaseSecondsParam` is the placeholder bound to RUN_LEASE_SECONDS. */
export function runColumns(leaseSecondsParam: string): string {
  return `id, company_id, agent_id, status, invocation_source, trigger_detail, issue_id, started_at, finished_at,
          last_heartbeat_at, error, error_code, created_at, updated_at,
          CASE WHEN status = 'running' THEN ${leaseEnd(leaseSecondsParam)} END AS lease_expires_at`;
}
