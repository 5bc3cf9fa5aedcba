import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../auth/actor';
import { query } from '../database/sql';

/**
 * idempotency_keys: one table shared by every create that takes an Idempotency-Key (issues,
 * comments, wake-ups), so it lives beside the key rules in common/ rather than in one feature
 * that the others would have to import (Runs never imports Issues).
 */
@Injectable()
export class IdempotencyKeysRepository {
  /**
   * Claims `key` for a resource about to be created with `resourceId`, inside the creating
   * transaction. Returns null when claimed; otherwise the id created by the first request with
   * this key (a concurrent first request is waited for by the unique index).
   */
  async claim(em: EntityManager, actor: Actor, scope: string, key: string, resourceId: string): Promise<string | null> {
    const actorType = actor.type === 'agent' ? 'agent' : 'user';
    const actorId = actor.type === 'agent' ? actor.agentId : actor.userId;
    const claimed = await query<{ id: string }>(
      em,
      `INSERT INTO idempotency_keys (actor_type, actor_id, scope, key, resource_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (actor_type, actor_id, scope, key) DO NOTHING RETURNING id`,
      [actorType, actorId, scope, key, resourceId],
    );
    if (claimed.length > 0) return null;
    const [first] = await query<{ resource_id: string }>(
      em,
      'SELECT resource_id FROM idempotency_keys WHERE actor_type = $1 AND actor_id = $2 AND scope = $3 AND key = $4',
      [actorType, actorId, scope, key],
    );
    return first.resource_id;
  }
}
