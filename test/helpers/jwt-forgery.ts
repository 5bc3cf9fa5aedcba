import { createHmac } from 'node:crypto';

/** A JSON value as a base64url segment; a string is taken as the segment's raw text. */
export const jwtSegment = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export const decodeJwtSegment = (segment: string): Record<string, unknown> => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));

/**
 * A compact JWS built from raw parts, as an attacker — or a harness doing plain HMAC-SHA256 over
 * the UTF-8 bytes of the secret — would build it. `secret: null` leaves the signature empty;
 * `signature` replaces it. Only for forgeries: valid tokens in tests come from RunJwtService.
 */
export function forgeJwt(header: unknown, payload: unknown, secret: string | null, signature?: string): string {
  const unsigned = `${jwtSegment(header)}.${jwtSegment(payload)}`;
  const mac = secret === null ? '' : createHmac('sha256', Buffer.from(secret, 'utf8')).update(unsigned).digest('base64url');
  return `${unsigned}.${signature ?? mac}`;
}
