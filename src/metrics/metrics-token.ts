import { createHash, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../common/domain-error';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** METRICS_TOKEN unset: the scrape is open. Set: `Authorization: Bearer <token>`, compared in constant time. */
export function assertMetricsToken(expected: string | undefined, authorization: string | undefined): void {
  if (!expected) return;
  if (!authorization) throw new DomainError('unauthenticated', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
  const given = /^Bearer\s+(\S+)$/i.exec(authorization.trim())?.[1] ?? '';
  if (!timingSafeEqual(digest(given), digest(expected))) throw new DomainError('invalid_credentials', 'The metrics token is not valid');
}
