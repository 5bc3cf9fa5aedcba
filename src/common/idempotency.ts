import type { EntityManager } from 'typeorm';
import type { Actor } from '../auth/actor';
import { DomainError } from './domain-error';
import { IdempotencyKeysRepository } from './idempotency-keys.repository';

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

/** The repository has no dependencies: one instance serves the callers that are not injected. */
const idempotencyKeys = new IdempotencyKeysRepository();

/** IdempotencyKeysRepository.claim, for callers that have no repository injected (the issues and comments services). */
export function claimIdempotencyKey(em: EntityManager, actor: Actor, scope: string, key: string, resourceId: string): Promise<string | null> {
  return idempotencyKeys.claim(em, actor, scope, key, resourceId);
}
