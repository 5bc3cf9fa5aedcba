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
@Injectable()
export class AuditService {
  async record(em: EntityManager, entry: AuditEntry): Promise<void> {
    await query(
      em,
      `INSERT INTO activity_log (company_id, actor_type, actor_id, action, entity_type, entity_id, agent_id, run_id, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        entry.companyId,
        entry.actorType,
        entry.actorId,
        entry.action,
        entry.entityType,
        entry.entityId,
        entry.agentId ?? null,
        entry.runId ?? null,
        JSON.stringify(entry.details ?? {}),
      ],
    );
  }
}
