import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Paperclip's plain issue fields (api.md §5a, §6): stored so they round-trip, nullable so existing
 * rows and direct seeds need nothing. project_id / goal_id carry no foreign key: Clasp has no
 * projects or goals, it only keeps the ids an agent sent.
 */
export class PaperclipIssueFields1765000000000 implements MigrationInterface {
  name = 'PaperclipIssueFields1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE issues
        ADD COLUMN billing_code text,
        ADD COLUMN request_depth integer CONSTRAINT issues_request_depth_nonnegative CHECK (request_depth >= 0),
        ADD COLUMN work_mode text,
        ADD COLUMN project_id uuid,
        ADD COLUMN goal_id uuid;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE issues
        DROP COLUMN IF EXISTS goal_id,
        DROP COLUMN IF EXISTS project_id,
        DROP COLUMN IF EXISTS work_mode,
        DROP COLUMN IF EXISTS request_depth,
        DROP COLUMN IF EXISTS billing_code;
    `);
  }
}
