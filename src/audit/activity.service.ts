import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/domain-error';
import { ActivityQuery, ActivityRow } from './activity.dto';
import { query } from '../database/sql';

/** Reads the audit trail, newest first, with a keyset cursor (`before` = an activity row id). */
@Injectable()
export class ActivityService {
  constructor(private readonly dataSource: DataSource) {}

  async list(companyId: string, filters: ActivityQuery): Promise<ActivityRow[]> {
    const params: unknown[] = [companyId];
    const where = ['company_id = $1'];
    const add = (column: string, value: unknown) => {
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    if (filters.action) add('action', filters.action);
    if (filters.entityType) add('entity_type', filters.entityType);
    if (filters.entityId) add('entity_id', filters.entityId);
    if (filters.agentId) add('agent_id', filters.agentId);
    if (filters.before) {
      await this.assertCursor(filters.before, companyId);
      params.push(filters.before);
      where.push(`(created_at, id) < (SELECT created_at, id FROM activity_log WHERE id = $${params.length})`);
    }
    params.push(filters.limit ?? 100);
    return query(
      this.dataSource.manager,
      `SELECT * FROM activity_log WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }

  forIssue(companyId: string, issueId: string, filters: Pick<ActivityQuery, 'limit' | 'before'>): Promise<ActivityRow[]> {
    return this.list(companyId, { ...filters, entityType: 'issue', entityId: issueId });
  }

  private async assertCursor(before: string, companyId: string): Promise<void> {
    const rows: unknown[] = await query(this.dataSource.manager, 'SELECT 1 FROM activity_log WHERE id = $1 AND company_id = $2', [before, companyId]);
    if (rows.length === 0) {
      throw new DomainError('validation_failed', 'before must be the id of an activity row of this company', {
        problems: [{ field: 'before', problems: ['unknown activity row'] }],
      });
    }
  }
}
