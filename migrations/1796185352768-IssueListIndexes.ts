import { MigrationInterface, QueryRunner } from 'typeorm';

/** Frozen here; src/issues/issues.repository.ts orders by the same expression, which is what lets the planner use these indexes. */
const PRIORITY_RANK = `(CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END)`;
const LIST_ORDER = `${PRIORITY_RANK}, updated_at DESC, id`;

/**
 * Indexes that serve every hot issue list in its own order, so a page costs the same at 10 thousand
 * and at 1 million issues (docs/performance.md, "Reads at scale"):
 *  - the list order (priority rank, then updated_at desc, then id) at the end of one btree per
 *    filter: the default list, status, assignee (which also serves inbox-lite);
 *  - pg_trgm GIN indexes for `q` (ILIKE '%…%' over title, identifier, description).
 * The rank is an index expression, not a stored column: adding a stored column rewrites `issues`
 * under an exclusive lock, and TypeORM cannot describe a generated column portably.
 * (company_id, status) and (company_id, assignee_agent_id) are prefixes of the new indexes: dropped,
 * since every issue update pays for each index.
 */
export class IssueListIndexes1796185352768 implements MigrationInterface {
  name = 'IssueListIndexes1796185352768';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX issues_company_status_idx, issues_company_assignee_idx;
      CREATE INDEX issues_company_order_idx ON issues (company_id, ${LIST_ORDER}) WHERE hidden_at IS NULL;
      CREATE INDEX issues_company_status_order_idx ON issues (company_id, status, ${LIST_ORDER}) WHERE hidden_at IS NULL;
      CREATE INDEX issues_company_assignee_order_idx ON issues (company_id, assignee_agent_id, ${LIST_ORDER}) WHERE hidden_at IS NULL;
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE INDEX issues_title_trgm_idx ON issues USING gin (title gin_trgm_ops);
      CREATE INDEX issues_identifier_trgm_idx ON issues USING gin (identifier gin_trgm_ops);
      CREATE INDEX issues_description_trgm_idx ON issues USING gin (description gin_trgm_ops);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX issues_description_trgm_idx, issues_identifier_trgm_idx, issues_title_trgm_idx,
        issues_company_assignee_order_idx, issues_company_status_order_idx, issues_company_order_idx;
      CREATE INDEX issues_company_status_idx ON issues (company_id, status);
      CREATE INDEX issues_company_assignee_idx ON issues (company_id, assignee_agent_id);
    `);
  }
}
