import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { query } from '../database/sql';
import type { ActivityRow } from './activity.dto';
import type { ActorType } from './activity-log.entity';

export interface AuditEntry {
  companyId: string | null;
  actorType: ActorType;
  actorId: string;
  action: string;
  entityType: string;
  entityId: string;
  agentId?: string | null;
  runId?: string | null;
  details?: Record<string, unknown>;
}

export interface ActivityFilter {
  action?: string;
  entityType?: string;
  entityId?: string;
  agentId?: string;
  /** Keyset cursor: rows older than this activity row. */
  before?: string;
  limit: number;
}

/**
 * The INSERT for one audit row, numbering its parameters from `firstParam` so it can also ride in
 * a CTE beside the change it records (one statement: atomic with the change, one round trip).
 */
export function auditInsert(entry: AuditEntry, firstParam = 1): { sql: string; params: unknown[] } {
  const params = [
    entry.companyId,
    entry.actorType,
    entry.actorId,
    entry.action,
    entry.entityType,
    entry.entityId,
    entry.agentId ?? null,
    entry.runId ?? null,
    JSON.stringify(entry.details ?? {}),
  ];
  const placeholders = params.map((_, i) => `$${firstParam + i}`).join(', ');
  return {
    sql: `INSERT INTO activity_log (company_id, actor_type, actor_id, action, entity_type, entity_id, agent_id, run_id, details) VALUES (${placeholders})`,
    params,
  };
}

/** activity_log: the only SQL on the audit trail. The table has no foreign keys, so writing locks nothing. */
@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(em: EntityManager, entry: AuditEntry): Promise<void> {
    const { sql, params } = auditInsert(entry);
    await query(em, sql, params);
  }

  /** Newest first, `(created_at, id)` keyset. */
  list(companyId: string, filter: ActivityFilter): Promise<ActivityRow[]> {
    const params: unknown[] = [companyId];
    const where = ['company_id = $1'];
    const add = (column: string, value: unknown) => {
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    if (filter.action) add('action', filter.action);
    if (filter.entityType) add('entity_type', filter.entityType);
    if (filter.entityId) add('entity_id', filter.entityId);
    if (filter.agentId) add('agent_id', filter.agentId);
    if (filter.before) {
      params.push(filter.before);
      where.push(`(created_at, id) < (SELECT created_at, id FROM activity_log WHERE id = $${params.length})`);
    }
    params.push(filter.limit);
    return query<ActivityRow>(
      this.dataSource.manager,
      `SELECT * FROM activity_log WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }

  async existsInCompany(activityId: string, companyId: string): Promise<boolean> {
    const rows = await query(this.dataSource.manager, 'SELECT 1 FROM activity_log WHERE id = $1 AND company_id = $2', [activityId, companyId]);
    return rows.length > 0;
  }
}
