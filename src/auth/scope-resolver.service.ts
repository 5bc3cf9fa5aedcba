import { Inject, Injectable } from '@nestjs/common';
import { DomainError, notFound } from '../common/domain-error';
import { RowLookup } from '../database/sql';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { hasStaleLockSql } from '../locks/lock-holders';
import type { RequestScope } from './actor';

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const IDENTIFIER_PATTERN = /^[A-Za-z][A-Za-z0-9]{0,19}-\d{1,9}$/;

function requireUuid(name: string, value: string): void {
  if (!UUID_PATTERN.test(value)) {
    throw new DomainError('validation_failed', `${name} must be a UUID`, { problems: [{ field: name, problems: ['must be a UUID'] }] });
  }
}

/**
 * Finds the company a path belongs to, from the first id it names. Unknown ids → 404 before any
 * access decision, malformed ones → 400. `lookup()` describes the read so the guard can send it
 * together with the credential lookup.
 */
@Injectable()
export class ScopeResolverService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Null when the path names no company; throws 400 at once for a malformed id. */
  lookup(params: Record<string, string | undefined>): RowLookup<RequestScope> | null {
    // Ids that name no company are still checked here, so every malformed path id gets the same 400 with details.
    for (const name of ['userId', 'keyId', 'commentId']) if (params[name] !== undefined) requireUuid(name, params[name] as string);
    if (params.companyId !== undefined) return this.companyOf('companyId', params.companyId, 'SELECT id AS company_id FROM companies WHERE id = $1', 'Company');
    if (params.id !== undefined) return this.issueScope(params.id);
    if (params.agentId !== undefined) return this.companyOf('agentId', params.agentId, 'SELECT company_id FROM agents WHERE id = $1', 'Agent');
    if (params.runId !== undefined) return this.companyOf('runId', params.runId, 'SELECT company_id FROM heartbeat_runs WHERE id = $1', 'Run');
    return null;
  }

  private companyOf(name: string, value: string, sql: string, what: string): RowLookup<RequestScope> {
    requireUuid(name, value);
    return {
      sql,
      params: [value],
      interpret: async (row) => {
        if (!row) throw notFound(what, { [name]: value });
        return { companyId: row.company_id, issueId: null };
      },
    };
  }

  private issueScope(idOrIdentifier: string): RowLookup<RequestScope> {
    let where: string;
    if (UUID_PATTERN.test(idOrIdentifier)) {
      where = 'i.id = $1';
    } else if (IDENTIFIER_PATTERN.test(idOrIdentifier)) {
      where = 'lower(i.identifier) = lower($1)';
    } else {
      throw new DomainError('validation_failed', 'id must be an issue UUID or identifier such as PAP-12', {
        problems: [{ field: 'id', problems: ['must be a UUID or an identifier'] }],
      });
    }
    return {
      // The stale-lock hint rides along so the pre-clear needs no read of its own.
      sql: `SELECT i.id, i.company_id, ${hasStaleLockSql('$2')} AS has_stale_lock FROM issues i WHERE ${where}`,
      params: [idOrIdentifier, this.config.runLeaseSeconds],
      interpret: async (row) => {
        if (!row) throw notFound('Issue', { id: idOrIdentifier });
        return { companyId: row.company_id, issueId: row.id, issueHasStaleLock: row.has_stale_lock };
      },
    };
  }
}
