import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { offlineDataSource, recordingManager } from '../database/offline-data-source';
import { RunsRepository } from './runs.repository';

/** The row locks TypeORM writes for the runs: FOR UPDATE on the bare row, several in id order. */
describe('RunsRepository locks', () => {
  let dataSource: DataSource;
  let runs: RunsRepository;
  beforeAll(async () => {
    dataSource = await offlineDataSource();
    runs = new RunsRepository(dataSource, { runLeaseSeconds: 300 } as AppConfig);
  });

  it('locks one run FOR UPDATE, no joins', async () => {
    const { em, sent } = recordingManager();
    await expect(runs.lockForEnd(em, 'run-1')).resolves.toBeNull();
    expect(sent).toEqual([
      expect.objectContaining({
        text:
          'SELECT "r"."id" AS "id", "r"."company_id" AS "company_id", "r"."agent_id" AS "agent_id", "r"."status" AS "status", ' +
          '"r"."started_at" AS "started_at", "r"."last_heartbeat_at" AS "last_heartbeat_at" FROM "heartbeat_runs" "r" WHERE "r"."id" = $1 FOR UPDATE',
        values: ['run-1'],
      }),
    ]);
  });

  it('locks several runs FOR UPDATE in id order, judging liveness by the database clock', async () => {
    const { em, sent } = recordingManager();
    await runs.lockSeveralForEnd(em, ['b', 'a']);
    await runs.lockSeveralForEnd(em, ['c']);
    expect(sent[0].text).toBe(
      'SELECT "r"."id" AS "id", "r"."company_id" AS "company_id", "r"."agent_id" AS "agent_id", "r"."status" AS "status", ' +
        '"r"."started_at" AS "started_at", "r"."last_heartbeat_at" AS "last_heartbeat_at", ' +
        `("r"."status" = 'running' AND (coalesce("r"."last_heartbeat_at", "r"."started_at", "r"."created_at") + $1::int * interval '1 second') >= now()) AS "live" ` +
        'FROM "heartbeat_runs" "r" WHERE "r"."id" = ANY($2::uuid[]) ORDER BY "r"."id" ASC FOR UPDATE',
    );
    expect(sent.map((s) => s.values)).toEqual([[300, ['b', 'a']], [300, ['c']]]);
    // Built once: the same text, so the same named prepared statement.
    expect(sent[1].name).toBe(sent[0].name);
  });
});
