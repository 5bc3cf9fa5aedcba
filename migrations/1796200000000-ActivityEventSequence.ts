import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The live event stream's cursor (docs/operations.md, "Event stream"): `activity_log.seq`, drawn
 * by a BEFORE INSERT trigger that first makes sure the writing transaction has an xid, so a reader
 * can tell when every transaction that drew a seq below a bound has finished (the commit horizon).
 * The same trigger notifies `clasp_activity` with the company id, inside the writing transaction:
 * PostgreSQL delivers the notification only if that transaction commits. CACHE 1 matters: a
 * cached block would hand out values below the sequence's last_value later.
 */
export class ActivityEventSequence1796200000000 implements MigrationInterface {
  name = 'ActivityEventSequence1796200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('LOCK TABLE activity_log IN SHARE ROW EXCLUSIVE MODE');
    await q.query(`
      CREATE SEQUENCE activity_log_seq_seq AS bigint CACHE 1;
      ALTER TABLE activity_log ADD COLUMN seq bigint;
      UPDATE activity_log a SET seq = o.n
        FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM activity_log) o
       WHERE a.id = o.id;
      SELECT setval('activity_log_seq_seq', coalesce((SELECT max(seq) FROM activity_log), 0) + 1, false);
      ALTER TABLE activity_log ALTER COLUMN seq SET NOT NULL;
      ALTER SEQUENCE activity_log_seq_seq OWNED BY activity_log.seq;
      CREATE INDEX activity_log_company_seq_idx ON activity_log (company_id, seq);

      CREATE FUNCTION activity_log_sequence_and_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_current_xact_id();
        NEW.seq := nextval('activity_log_seq_seq');
        IF NEW.company_id IS NOT NULL THEN
          PERFORM pg_notify('clasp_activity', NEW.company_id::text);
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER activity_log_sequence_and_notify BEFORE INSERT ON activity_log
        FOR EACH ROW EXECUTE FUNCTION activity_log_sequence_and_notify();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER IF EXISTS activity_log_sequence_and_notify ON activity_log;
      DROP FUNCTION IF EXISTS activity_log_sequence_and_notify();
      ALTER TABLE activity_log DROP COLUMN IF EXISTS seq;
    `);
  }
}
