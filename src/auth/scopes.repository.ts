import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RowLookup, rowLookup } from '../database/row-lookup';
import { hasStaleLockSql } from '../locks/lock-holders';

export interface CompanyOfRow {
  company_id: string;
}

export interface IssueScopeRow {
  id: string;
  company_id: string;
  has_stale_lock: boolean;
}

/** Which company an id in a path belongs to — undone lookups the guard sends with the credential's. */
@Injectable()
export class ScopesRepository {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  company<T>(companyId: string, interpret: (row: CompanyOfRow | undefined) => Promise<T>): RowLookup<T> {
    return rowLookup('SELECT id AS company_id FROM companies WHERE id = $1', [companyId], interpret);
  }

  companyOfAgent<T>(agentId: string, interpret: (row: CompanyOfRow | undefined) => Promise<T>): RowLookup<T> {
    return rowLookup('SELECT company_id FROM agents WHERE id = $1', [agentId], interpret);
  }

  companyOfRun<T>(runId: string, interpret: (row: CompanyOfRow | undefined) => Promise<T>): RowLookup<T> {
    return rowLookup('SELECT company_id FROM heartbeat_runs WHERE id = $1', [runId], interpret);
  }

  /**
   * The issue by uuid or (case-insensitive) identifier. The stale-lock hint rides along so the
   * interceptor needs no read of its own.
   */
  issue<T>(by: 'id' | 'identifier', value: string, interpret: (row: IssueScopeRow | undefined) => Promise<T>): RowLookup<T> {
    const where = by === 'id' ? 'i.id = $1' : 'lower(i.identifier) = lower($1)';
    return rowLookup(
      `SELECT i.id, i.company_id, ${hasStaleLockSql('$2')} AS has_stale_lock FROM issues i WHERE ${where}`,
      [value, this.config.runLeaseSeconds],
      interpret,
    );
  }
}
