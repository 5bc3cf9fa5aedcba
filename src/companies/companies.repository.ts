import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { query } from '../database/sql';
import { Company } from './company.entity';

/** Shared by every Clasp process, like the migration and bootstrap locks (7_361_001, 7_361_002). */
const COMPANY_PREFIX_LOCK_KEY = 7_361_003;

/** The companies SQL that TypeORM's entity manager does not already say. */
@Injectable()
export class CompaniesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Serialises company creation (rare), so simultaneous creates derive distinct prefixes instead of one 409. */
  async lockPrefixes(em: EntityManager): Promise<void> {
    await query(em, 'SELECT pg_advisory_xact_lock($1)', [COMPANY_PREFIX_LOCK_KEY]);
  }

  /** Issue prefixes in use that start with `base`. */
  async prefixesStartingWith(em: EntityManager, base: string): Promise<Set<string>> {
    const rows = await query<{ issue_prefix: string }>(em, `SELECT issue_prefix FROM companies WHERE issue_prefix LIKE $1 || '%'`, [base]);
    return new Set(rows.map((r) => r.issue_prefix));
  }

  /** Every company, or only those the user is an active member of; oldest first. */
  visibleTo(userId: string | null): Promise<Company[]> {
    const companies = this.dataSource.getRepository(Company).createQueryBuilder('c').orderBy('c.created_at', 'ASC');
    if (userId === null) return companies.getMany();
    return companies
      .where(
        `EXISTS (SELECT 1 FROM company_memberships m WHERE m.company_id = c.id AND m.principal_type = 'user'
                  AND m.principal_id = :userId AND m.status = 'active')`,
        { userId },
      )
      .getMany();
  }
}
