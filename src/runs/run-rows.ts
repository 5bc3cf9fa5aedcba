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

/** A run with its agent's name and adapter, as Paperclip's live-run lists show it. */
export interface LiveRunRow extends RunRow {
  agent_name: string;
  adapter_type: string;
}

/** The columns a run is locked with when it ends: who it belongs to and what it was. */
export interface LockedRunRow {
  id: string;
  company_id: string;
  agent_id: string;
  status: RunStatus;
  started_at: Date | null;
  last_heartbeat_at: Date | null;
}
