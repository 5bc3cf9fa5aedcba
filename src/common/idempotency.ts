import type { EntityManager } from 'typeorm';
import type { Actor } from '../auth/actor';
import { DomainError } from './domain-error';
import { query } from '../database/sql';

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

export function validIdempotencyKey(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  if (!KEY_PATTERN.test(raw)) {
    throw new DomainError('validation_failed', 'Idempotency-Key must be 1-200 visible ASCII characters', {
      problems: [{ field: 'Idempotency-Key', problems: ['must be 1-200 visible ASCII characters'] }],
    });
  }
  return raw;
}

/**
 * The key of a request: the `Idempotency-Key` header, or Paperclip's `idempotencyKey` body field.
 * Both sent and different is refused rather than guessed at.
 */
export function requestIdempotencyKey(header: string | undefined, body: string | null | undefined): string | null {
  const fromBody = body ?? undefined;
  if (header && fromBody !== undefined && header !== fromBody) {
    throw new DomainError('validation_failed', 'Idempotency-Key header and idempotencyKey differ', {
      problems: [{ field: 'idempotencyKey', problems: ['must equal the Idempotency-Key header when both are sent'] }],
    });
  }
  return validIdempotencyKey(header || fromBody);
}

/**
 * Claims `key` for a resource about to be created with `resourceId`, inside the creating
 * transaction. Returns null when claimed; otherwise the id created by the first request with
 * this key (a concurrent first request is waited for by the unique index).
 */
export async function claimIdempotencyKey(em: EntityManager, actor: Actor, scope: string, key: string, resourceId: string): Promise<string | null> {
  const actorType = actor.type === 'agent' ? 'agent' : 'user';
  const actorId = actor.type === 'agent' ? actor.agentId : actor.userId;
  const claimed = await query<{ id: string }>(
    em,
    `INSERT INTO idempotency_keys (actor_type, actor_id, scope, key, resource_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (actor_type, actor_id, scope, key) DO NOTHING RETURNING id`,
    [actorType, actorId, scope, key, resourceId],
  );
  if (claimed.length > 0) return null;
  const [first]: { resource_id: string }[] = await query(
    em,
    'SELECT resource_id FROM idempotency_keys WHERE actor_type = $1 AND actor_id = $2 AND scope = $3 AND key = $4',
    [actorType, actorId, scope, key],
  );
  return first.resource_id;
}
