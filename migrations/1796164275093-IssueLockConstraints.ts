import { MigrationInterface, QueryRunner } from 'typeorm';

const LOCK_COLUMNS_NULL = `checkout_run_id IS NULL AND execution_run_id IS NULL
  AND execution_agent_name_key IS NULL AND execution_locked_at IS NULL`;
const EXECUTION_LOCK_WHOLE = 'num_nulls(execution_run_id, execution_agent_name_key, execution_locked_at) IN (0, 3)';

/**
 * The lock-column invariants the services keep, enforced by the database too (defence in depth):
 * no lock outside in_progress, and the execution lock's three columns set or null together.
 * Rows that break them are repaired first, as docs/ownership.md ("Lock columns") describes.
 */
export class IssueLockConstraints1796164275093 implements MigrationInterface {
  name = 'IssueLockConstraints1796164275093';

  async up(q: QueryRunner): Promise<void> {
    // Writers wait until the constraints are in place, so no broken row slips in between repair and check.
    await q.query('LOCK TABLE issues IN ACCESS EXCLUSIVE MODE');
    await q.query(`
      WITH broken AS (
        SELECT id, company_id, status, checkout_run_id, execution_run_id, execution_agent_name_key, execution_locked_at,
               status <> 'in_progress' AS outside_in_progress
          FROM issues
         WHERE (status <> 'in_progress' AND NOT (${LOCK_COLUMNS_NULL})) OR NOT (${EXECUTION_LOCK_WHOLE})
      ), repaired AS (
        UPDATE issues i
           SET checkout_run_id = CASE WHEN b.outside_in_progress THEN NULL ELSE i.checkout_run_id END,
               execution_run_id = NULL, execution_agent_name_key = NULL, execution_locked_at = NULL
          FROM broken b
         WHERE i.id = b.id
      )
      INSERT INTO activity_log (company_id, actor_type, actor_id, action, entity_type, entity_id, details)
      SELECT company_id, 'system', 'system', 'issue.stale_lock_cleared', 'issue', id::text, jsonb_build_object(
               'clearedCheckoutRunId', CASE WHEN outside_in_progress THEN checkout_run_id END,
               'clearedExecutionRunId', execution_run_id,
               'clearedExecutionAgentNameKey', execution_agent_name_key,
               'clearedExecutionLockedAt', execution_locked_at,
               'status', status,
               'reason', CASE WHEN outside_in_progress THEN 'lock_outside_in_progress' ELSE 'partial_execution_lock' END,
               'source', 'migration')
        FROM broken
       ORDER BY id
    `);
    await q.query(`
      ALTER TABLE issues
        ADD CONSTRAINT issues_locks_only_in_progress CHECK (status = 'in_progress' OR (${LOCK_COLUMNS_NULL})),
        ADD CONSTRAINT issues_execution_lock_whole CHECK (${EXECUTION_LOCK_WHOLE})
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE issues DROP CONSTRAINT issues_execution_lock_whole, DROP CONSTRAINT issues_locks_only_in_progress');
  }
}
