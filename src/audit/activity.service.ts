import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/domain-error';
import { ActivityQuery, ActivityRow } from './activity.dto';

/** Reads the audit trail, newest first, with a keyset cursor (`before` = an activity row id). */
@Injectable()
export class ActivityService {
  constructor(private readonly dataSource: DataSource) {}

  async list(companyId: string, query: ActivityQuery): Promise<ActivityRow[]> {
    const params: unknown[] = [companyId];
    const where = ['company_id = $1'];
    const add = (column: string, value: unknown) => {
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    if (query.action) add('action', query.action);
    if (query.entityType) add('entity_type', query.entityType);
    if (query.entityId) add('entity_id', query.entityId);
    if (query.agentId) add('agent_id', query.agentId);
    if (query.before) {
      await this.assertCursor(query.before, companyId);
      params.push(query.before);
      where.push(`(created_at, id) < (SELECT created_at, id FROM activity_log WHERE id = $${params.length})`);
    }
    params.push(query.limit ?? 100);
    return this.dataSource.query(
      `SELECT * FROM activity_log WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }

  forIssue(companyId: string, issueId: string, query: Pick<ActivityQuery, 'limit' | 'before'>): Promise<ActivityRow[]> {
    return this.list(companyId, { ...query, entityType: 'issue', entityId: issueId });
  }

  private async assertCursor(before: string, companyId: string): Promise<void> {
    const rows: unknown[] = await this.dataSource.query('SELECT 1 FROM activity_log WHERE id = $1 AND company_id = $2', [before, companyId]);
    if (rows.length === 0) {
      throw new DomainError('validation_failed', 'before must be the id of an activity row of this company', {
        problems: [{ field: 'before', problems: ['unknown activity row'] }],
      });
    }
  }
}
