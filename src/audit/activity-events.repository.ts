import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { query } from '../database/sql';
import type { ActivityRow } from './activity.dto';

export type ActivityEventRow = ActivityRow & { seq: string };

/** What one look at the commit horizon sees (docs/operations.md, "Event stream"). */
export interface HorizonProbe {
  /** The highest seq drawn so far. */
  lastSeq: bigint;
  /** Transactions of this database holding an xid when the probe ran (top-level xids). */
  running: string[];
}

// Read from the backends' shared state, not from the statement's snapshot: a snapshot does not list
// transactions whose xid is above the latest completed one, and those may hold the newest seqs.
const PROBE = `
  SELECT (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM activity_log_seq_seq)::text AS last_seq,
         ARRAY(SELECT backend_xid::text FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL
               UNION ALL
               SELECT transaction::text FROM pg_prepared_xacts WHERE database = current_database()) AS running`;

const PAGE = `
  SELECT * FROM activity_log
   WHERE company_id = ANY($1::uuid[]) AND seq > $2 AND seq <= $3
   ORDER BY seq
   LIMIT $4`;

/** The event stream's reads of activity_log: pages in seq order and the commit horizon. */
@Injectable()
export class ActivityEventsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async probe(): Promise<HorizonProbe> {
    const [row] = await query<{ last_seq: string; running: string[] }>(this.dataSource.manager, PROBE);
    return { lastSeq: BigInt(row.last_seq), running: row.running };
  }

  /** Rows of the companies with `after < seq <= upTo`, in seq order. */
  page(companyIds: string[], after: bigint, upTo: bigint, limit: number): Promise<ActivityEventRow[]> {
    return query<ActivityEventRow>(this.dataSource.manager, PAGE, [companyIds, after.toString(), upTo.toString(), limit]);
  }
}
