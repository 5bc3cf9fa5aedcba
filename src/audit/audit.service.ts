import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Actor } from '../auth/actor';
import { AuditEntry, AuditRepository } from './audit.repository';

export { auditInsert, type AuditEntry } from './audit.repository';

export const SYSTEM_ACTOR = { actorType: 'system' as const, actorId: 'system' };

/** The audit fields that name who did something. */
export function auditActor(actor: Actor): Pick<AuditEntry, 'actorType' | 'actorId' | 'agentId' | 'runId'> {
  if (actor.type === 'agent') return { actorType: 'agent', actorId: actor.agentId, agentId: actor.agentId, runId: actor.runId };
  return { actorType: 'user', actorId: actor.userId, agentId: null, runId: null };
}

/**
 * Writes audit rows inside the caller's transaction, so a failed audit insert rolls the change
 * back (ownership.md §10).
 */
@Injectable()
export class AuditService {
  constructor(private readonly repository: AuditRepository) {}

  record(em: EntityManager, entry: AuditEntry): Promise<void> {
    return this.repository.insert(em, entry);
  }
}
