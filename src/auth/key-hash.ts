import { createHash, randomBytes } from 'node:crypto';

export const BOARD_KEY_PREFIX = 'clasp_board_';
export const AGENT_KEY_PREFIX = 'clasp_agent_';

export function generateKey(prefix: string): string {
  return prefix + randomBytes(24).toString('hex');
}

/** Keys are 192 random bits, so a plain SHA-256 is enough (no slow hash needed). */
export function hashKey(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
