import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError, notFound } from '../common/domain-error';
import { query } from '../database/sql';
import { HAS_STALE_LOCK_SQL } from '../locks/lock-holders';
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
 * access decision, malformed ones → 400.
 */
@Injectable()
export class ScopeResolverService {
  constructor(private readonly dataSource: DataSource) {}

  async resolve(params: Record<string, string | undefined>): Promise<RequestScope | null> {
    // Ids that name no company are still checked here, so every malformed path id gets the same 400 with details.
    for (const name of ['userId', 'keyId']) if (params[name] !== undefined) requireUuid(name, params[name] as string);
    if (params.companyId !== undefined) {
      return { companyId: await this.lookup('companyId', params.companyId, 'SELECT id AS company_id FROM companies WHERE id = $1', 'Company'), issueId: null };
    }
    if (params.id !== undefined) return this.issueScope(params.id);
    if (params.agentId !== undefined) {
      return { companyId: await this.lookup('agentId', params.agentId, 'SELECT company_id FROM agents WHERE id = $1', 'Agent'), issueId: null };
    }
    if (params.runId !== undefined) {
      return { companyId: await this.lookup('runId', params.runId, 'SELECT company_id FROM heartbeat_runs WHERE id = $1', 'Run'), issueId: null };
    }
    return null;
  }

  private async lookup(name: string, value: string, sql: string, what: string): Promise<string> {
    requireUuid(name, value);
    const rows = await query<{ company_id: string }>(this.dataSource.manager, sql, [value]);
    if (!rows[0]) throw notFound(what, { [name]: value });
    return rows[0].company_id;
  }

  private async issueScope(idOrIdentifier: string): Promise<RequestScope> {
    // The stale-lock hint rides along so the interceptor needs no read of its own.
    const select = `SELECT i.id, i.company_id, ${HAS_STALE_LOCK_SQL} AS has_stale_lock FROM issues i`;
    let rows: { id: string; company_id: string; has_stale_lock: boolean }[];
    if (UUID_PATTERN.test(idOrIdentifier)) {
      rows = await query(this.dataSource.manager, `${select} WHERE i.id = $1`, [idOrIdentifier]);
    } else if (IDENTIFIER_PATTERN.test(idOrIdentifier)) {
      rows = await query(this.dataSource.manager, `${select} WHERE lower(i.identifier) = lower($1)`, [idOrIdentifier]);
    } else {
      throw new DomainError('validation_failed', 'id must be an issue UUID or identifier such as PAP-12', {
        problems: [{ field: 'id', problems: ['must be a UUID or an identifier'] }],
      });
    }
    if (!rows[0]) throw notFound('Issue', { id: idOrIdentifier });
    return { companyId: rows[0].company_id, issueId: rows[0].id, issueHasStaleLock: rows[0].has_stale_lock };
  }
}
