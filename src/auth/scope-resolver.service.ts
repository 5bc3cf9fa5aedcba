import { Injectable } from '@nestjs/common';
import { DomainError, notFound } from '../common/domain-error';
import type { RowLookup } from '../database/row-lookup';
import type { RequestScope } from './actor';
import { CompanyOfRow, ScopesRepository } from './scopes.repository';

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
  constructor(private readonly scopes: ScopesRepository) {}

  /** Null when the path names no company; throws 400 at once for a malformed id. */
  lookup(params: Record<string, string | undefined>): RowLookup<RequestScope> | null {
    // Ids that name no company are still checked here, so every malformed path id gets the same 400 with details.
    for (const name of ['userId', 'keyId', 'commentId']) if (params[name] !== undefined) requireUuid(name, params[name] as string);
    if (params.companyId !== undefined) {
      requireUuid('companyId', params.companyId);
      return this.scopes.company(params.companyId, companyScope('Company', 'companyId', params.companyId));
    }
    if (params.id !== undefined) return this.issueScope(params.id);
    if (params.agentId !== undefined) {
      requireUuid('agentId', params.agentId);
      return this.scopes.companyOfAgent(params.agentId, companyScope('Agent', 'agentId', params.agentId));
    }
    if (params.runId !== undefined) {
      requireUuid('runId', params.runId);
      return this.scopes.companyOfRun(params.runId, companyScope('Run', 'runId', params.runId));
    }
    return null;
  }

  private issueScope(idOrIdentifier: string): RowLookup<RequestScope> {
    let by: 'id' | 'identifier';
    if (UUID_PATTERN.test(idOrIdentifier)) {
      by = 'id';
    } else if (IDENTIFIER_PATTERN.test(idOrIdentifier)) {
      by = 'identifier';
    } else {
      throw new DomainError('validation_failed', 'id must be an issue UUID or identifier such as PAP-12', {
        problems: [{ field: 'id', problems: ['must be a UUID or an identifier'] }],
      });
    }
    return this.scopes.issue(by, idOrIdentifier, async (row) => {
      if (!row) throw notFound('Issue', { id: idOrIdentifier });
      return { companyId: row.company_id, issueId: row.id, issueHasStaleLock: row.has_stale_lock };
    });
  }
}

function companyScope(what: string, name: string, value: string): (row: CompanyOfRow | undefined) => Promise<RequestScope> {
  return async (row) => {
    if (!row) throw notFound(what, { [name]: value });
    return { companyId: row.company_id, issueId: null };
  };
}
