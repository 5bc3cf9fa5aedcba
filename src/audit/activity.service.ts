import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { ActivityQuery, ActivityRow } from './activity.dto';
import { AuditRepository } from './audit.repository';

/** Reads the audit trail, newest first, with a keyset cursor (`before` = an activity row id). */
@Injectable()
export class ActivityService {
  constructor(private readonly repository: AuditRepository) {}

  async list(companyId: string, filters: ActivityQuery): Promise<ActivityRow[]> {
    if (filters.before && !(await this.repository.existsInCompany(filters.before, companyId))) {
      throw new DomainError('validation_failed', 'before must be the id of an activity row of this company', {
        problems: [{ field: 'before', problems: ['unknown activity row'] }],
      });
    }
    return this.repository.list(companyId, { ...filters, limit: filters.limit ?? 100 });
  }

  forIssue(companyId: string, issueId: string, filters: Pick<ActivityQuery, 'limit' | 'before'>): Promise<ActivityRow[]> {
    return this.list(companyId, { ...filters, entityType: 'issue', entityId: issueId });
  }
}
