/**
 * What "live" means for a run (ownership.md §1, §7): `running` and within its lease, judged by the
 * database's clock in the statement that needs it — never by an API process's clock. The SQL
 * takes the lease (RUN_LEASE_SECONDS) as a bound parameter, `leaseSecondsParam` (e.g. '$2').
 */

/** When a running run's lease ends: its last sign of life plus the lease. `created_at` only backs up a malformed row with no start time. */
export function leaseEnd(leaseSecondsParam: string, alias = ''): string {
  const c = alias ? `${alias}.` : '';
  return `(coalesce(${c}last_heartbeat_at, ${c}started_at, ${c}created_at) + ${leaseSecondsParam}::int * interval '1 second')`;
}

/** The run may hold a lock and write: running, lease not yet ended. */
export function runIsLive(leaseSecondsParam: string, alias = ''): string {
  const c = alias ? `${alias}.` : '';
  return `(${c}status = 'running' AND ${leaseEnd(leaseSecondsParam, alias)} >= now())`;
}

/** Still `running`, but its lease ran out: no longer live, waiting for the sweeper to time it out. */
export function leaseExpired(leaseSecondsParam: string, alias = ''): string {
  const c = alias ? `${alias}.` : '';
  return `(${c}status = 'running' AND ${leaseEnd(leaseSecondsParam, alias)} < now())`;
}
