import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { BuiltStatement } from '../database/built-statement';
import { query, Statement } from '../database/sql';
import type { RunState } from '../ownership/policy-types';
import type { LocksToClear } from '../ownership/stale-locks.policy';
import { hasStaleLockSql, IssueLockRow, LockedRuns } from './lock-holders';
import { runIsLive } from './run-liveness';

/** Runs FOR SHARE (`pessimistic_read`) by id, with `live` judged by the database clock in the same statement. */
const LOCK_RUNS = (ds: DataSource) =>
  ds
    .createQueryBuilder()
    .select('r.id', 'id')
    .addSelect('r.status', 'status')
    .addSelect('r.agent_id', 'agent_id')
    .addSelect(runIsLive(':lease', 'r'), 'live')
    .from('heartbeat_runs', 'r')
    .where('r.id = ANY(:ids::uuid[])')
    .orderBy('r.id')
    .setLock('pessimistic_read');

/**
 * The runs holding an issue's locks, and the caller's run, FOR SHARE. The holders are read from
 * the issue row, so this can follow the row lock's statement in one round trip (queryInOrder) and
 * see the row as that lock left it.
 */
const LOCK_RUNS_OF_ISSUE = (ds: DataSource) =>
  ds
    .createQueryBuilder()
    .select('r.id', 'id')
    .addSelect('r.status', 'status')
    .addSelect('r.agent_id', 'agent_id')
    .addSelect(runIsLive(':lease', 'r'), 'live')
    .from('heartbeat_runs', 'r')
    .where(
      `r.id = ANY(ARRAY[(SELECT checkout_run_id FROM issues WHERE id = :issueId),
                        (SELECT execution_run_id FROM issues WHERE id = :issueId), :callerRunId::uuid])`,
    )
    .orderBy('r.id')
    .setLock('pessimistic_read');

const issueLocks = (ds: DataSource) =>
  ds.createQueryBuilder().select(['i.id AS id', 'i.company_id AS company_id', 'i.checkout_run_id AS checkout_run_id', 'i.execution_run_id AS execution_run_id']).from('issues', 'i');

/** One issue's lock columns under `pessimistic_write`. */
const LOCK_ISSUE = (ds: DataSource) => issueLocks(ds).where('i.id = :issueId').setLock('pessimistic_write');

/** Every issue naming the run, in id order (the lock order for several issues). */
const LOCK_ISSUES_OF_RUN = (ds: DataSource) =>
  issueLocks(ds).where('(i.checkout_run_id = :runId OR i.execution_run_id = :runId)').orderBy('i.id').setLock('pessimistic_write');

/** Issues that took a lock from the run after LOCK_ISSUES_OF_RUN looked, skipping rows busy elsewhere. */
const LOCK_LATE_ISSUES_OF_RUN = (ds: DataSource) =>
  issueLocks(ds)
    .where('(i.checkout_run_id = :runId OR i.execution_run_id = :runId)')
    .andWhere('NOT (i.id = ANY(:known::uuid[]))')
    .orderBy('i.id')
    .setLock('pessimistic_write')
    .setOnLocked('skip_locked');

/**
 * The SQL of the issues' checkout and execution locks and of their holder runs: row locks in the
 * global order (issue rows by id, then runs), stale-lock sweeps and the compare-and-clear.
 */
@Injectable()
export class IssueLocksRepository {
  private readonly lockRunsStatement = new BuiltStatement<{ ids: string[]; lease: number }>(() => LOCK_RUNS(this.dataSource));
  private readonly lockRunsOfIssueStatement = new BuiltStatement<{ issueId: string; callerRunId: string | null; lease: number }>(() => LOCK_RUNS_OF_ISSUE(this.dataSource));
  private readonly lockIssueStatement = new BuiltStatement<{ issueId: string }>(() => LOCK_ISSUE(this.dataSource));
  private readonly lockIssuesOfRunStatement = new BuiltStatement<{ runId: string }>(() => LOCK_ISSUES_OF_RUN(this.dataSource));
  private readonly lockLateIssuesOfRunStatement = new BuiltStatement<{ runId: string; known: string[] }>(() => LOCK_LATE_ISSUES_OF_RUN(this.dataSource));

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The given runs FOR SHARE, so none can finish while the caller decides on them (absent ids: missing runs). */
  async lockRuns(em: EntityManager, runIds: (string | null | undefined)[]): Promise<LockedRuns> {
    const ids = [...new Set(runIds.filter((id): id is string => !!id))];
    if (ids.length === 0) return new Map();
    const { text, values } = this.lockRunsStatement.statement({ ids, lease: this.config.runLeaseSeconds });
    return lockedRuns(await query(em, text, values));
  }

  /** The statement for lockRuns of an issue's holders and the caller's run (for queryInOrder). */
  lockRunsOfIssue(issueId: string, callerRunId: string | null): Statement {
    return this.lockRunsOfIssueStatement.statement({ issueId, callerRunId, lease: this.config.runLeaseSeconds });
  }

  async lockIssue(em: EntityManager, issueId: string): Promise<IssueLockRow | undefined> {
    const { text, values } = this.lockIssueStatement.statement({ issueId });
    const [issue] = await query<IssueLockRow>(em, text, values);
    return issue;
  }

  lockIssuesOfRun(em: EntityManager, runId: string): Promise<IssueLockRow[]> {
    const { text, values } = this.lockIssuesOfRunStatement.statement({ runId });
    return query<IssueLockRow>(em, text, values);
  }

  lockLateIssuesOfRun(em: EntityManager, runId: string, known: string[]): Promise<IssueLockRow[]> {
    const { text, values } = this.lockLateIssuesOfRunStatement.statement({ runId, known });
    return query<IssueLockRow>(em, text, values);
  }

  /** Up to `limit` issues with a lock whose holder is not live, no one else is working on right now. */
  lockStaleIssues(em: EntityManager, limit: number): Promise<IssueLockRow[]> {
    return query<IssueLockRow>(
      em,
      `SELECT i.id, i.company_id, i.checkout_run_id, i.execution_run_id FROM issues i
        WHERE ${hasStaleLockSql('$2')}
        ORDER BY i.id
        LIMIT $1
        FOR UPDATE OF i SKIP LOCKED`,
      [limit, this.config.runLeaseSeconds],
    );
  }

  /** Compare-and-clear: nulls a lock only if it still names the run observed. False when nothing changed. */
  async clear(em: EntityManager, issueId: string, { checkoutRunId, executionRunId }: LocksToClear): Promise<boolean> {
    const updated = await query<{ id: string }>(
      em,
      `UPDATE issues SET
          checkout_run_id = CASE WHEN $2::uuid IS NOT NULL THEN NULL ELSE checkout_run_id END,
          execution_run_id = CASE WHEN $3::uuid IS NOT NULL THEN NULL ELSE execution_run_id END,
          execution_agent_name_key = CASE WHEN $3::uuid IS NOT NULL THEN NULL ELSE execution_agent_name_key END,
          execution_locked_at = CASE WHEN $3::uuid IS NOT NULL THEN NULL ELSE execution_locked_at END
        WHERE id = $1
          AND ($2::uuid IS NULL OR checkout_run_id = $2::uuid)
          AND ($3::uuid IS NULL OR execution_run_id = $3::uuid)
        RETURNING id`,
      [issueId, checkoutRunId, executionRunId],
    );
    return updated.length > 0;
  }
}

export function lockedRuns(rows: unknown[]): LockedRuns {
  return new Map((rows as (RunState & { id: string })[]).map((row) => [row.id, { status: row.status, agent_id: row.agent_id, live: row.live }]));
}
