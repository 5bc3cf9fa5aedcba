import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Actor } from '../auth/actor';
import { query } from '../database/sql';
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

export const SYSTEM_ACTOR = { actorType: 'system' as const, actorId: 'system' };

/** The audit fields that name who did something. */
export function auditActor(actor: Actor): Pick<AuditEntry, 'actorType' | 'actorId' | 'agentId' | 'runId'> {
  if (actor.type === 'agent') return { actorType: 'agent', actorId: actor.agentId, agentId: actor.agentId, runId: actor.runId };
  return { actorType: 'user', actorId: actor.userId, agentId: null, runId: null };
}

/**
 * Writes audit rows inside the caller's transaction, so a failed audit insert rolls the change
 * back. The table has no foreign keys: inserting never locks operational rows.
 */
/**
 * The INSERT for one audit row, numbering its parameters from `firstParam` so it can also ride in
 * a CTE beside the change it records (issue-row.ts updateIssue): one round trip, one statement.
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

@Injectable()
export class AuditService {
  async record(em: EntityManager, entry: AuditEntry): Promise<void> {
    const { sql, params } = auditInsert(entry);
    await query(em, sql, params);
  }
}
