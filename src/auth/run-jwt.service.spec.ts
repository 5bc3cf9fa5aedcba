import { createHmac, randomUUID } from 'node:crypto';
import type { AppConfig } from '../config/app-config';
import { looksLikeJwt, RunJwtClaims, RunJwtService } from './run-jwt.service';

const SECRET = 'unit-test-secret-0123456789abcdef';
const NOW = 1_800_000_000;
const config = { agentJwtSecret: SECRET, agentJwtIssuer: 'paperclip', agentJwtAudience: 'paperclip-api', agentJwtTtlSeconds: 3600 } as AppConfig;

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Builds a token from raw parts, signed HS256 with `secret` unless a signature is given. */
function forge(header: unknown, payload: unknown, secret = SECRET, signature?: string): string {
  const unsigned = `${b64(header)}.${b64(payload)}`;
  return `${unsigned}.${signature ?? createHmac('sha256', Buffer.from(secret, 'utf8')).update(unsigned).digest('base64url')}`;
}

describe('RunJwtService', () => {
  const service = new RunJwtService(config);
  const subject = { sub: randomUUID(), company_id: randomUUID(), run_id: randomUUID(), adapter_type: 'process' };
  const validPayload = (): RunJwtClaims => ({ ...subject, iat: NOW, exp: NOW + 3600, iss: 'paperclip', aud: 'paperclip-api' });
  const HS256 = { alg: 'HS256', typ: 'JWT' };

  describe('sign → verify', () => {
    it('round-trips the claims, with iat/exp/iss/aud from the configuration', () => {
      const { token, expiresAt } = service.sign(subject, NOW);
      expect(token.split('.')).toHaveLength(3);
      expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
      expect(service.verify(token, NOW + 1)).toEqual(validPayload());
      expect(expiresAt).toEqual(new Date((NOW + 3600) * 1000));
    });

    it('signs with the UTF-8 bytes of the secret as given, so a harness holding it can mint tokens too', () => {
      expect(service.verify(forge(HS256, validPayload()), NOW)).toEqual(validPayload());
      expect(service.sign(subject, NOW).token).toBe(forge(HS256, validPayload()));
    });

    it('is valid until the second before exp', () => {
      const { token } = service.sign(subject, NOW);
      expect(service.verify(token, NOW + 3599)).toBeDefined();
      expect(service.verify(token, NOW + 3600)).toBeUndefined();
    });

    it('verifies against the current time by default', () => {
      const now = Math.floor(Date.now() / 1000);
      expect(service.verify(service.sign(subject).token)).toMatchObject({ sub: subject.sub });
      expect(service.verify(service.sign(subject, now - 7200).token)).toBeUndefined();
    });
  });

  describe('rejects', () => {
    const cases: [string, () => string][] = [
      ['alg none without a signature', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(validPayload())}.`],
      ['alg none with a valid HS256 signature', () => forge({ alg: 'none' }, validPayload())],
      ['alg HS512', () => forge({ alg: 'HS512', typ: 'JWT' }, validPayload())],
      ['alg RS256', () => forge({ alg: 'RS256', typ: 'JWT' }, validPayload())],
      ['alg hs256 (wrong case)', () => forge({ alg: 'hs256' }, validPayload())],
      ['no alg', () => forge({ typ: 'JWT' }, validPayload())],
      ['a header that is not an object', () => forge('"HS256"', validPayload())],
      ['the wrong secret', () => forge(HS256, validPayload(), 'another-secret-0123456789')],
      ['an empty signature', () => forge(HS256, validPayload(), SECRET, '')],
      ['a tampered payload', () => {
        const [header, , signature] = forge(HS256, validPayload()).split('.');
        return `${header}.${b64({ ...validPayload(), sub: randomUUID() })}.${signature}`;
      }],
      ['a tampered header', () => {
        const [, payload, signature] = forge(HS256, validPayload()).split('.');
        return `${b64({ alg: 'HS256', typ: 'JWT', kid: 'x' })}.${payload}.${signature}`;
      }],
      ['expired', () => forge(HS256, { ...validPayload(), exp: NOW - 1 })],
      ['exp equal to now', () => forge(HS256, { ...validPayload(), exp: NOW })],
      ['wrong iss', () => forge(HS256, { ...validPayload(), iss: 'elsewhere' })],
      ['wrong aud', () => forge(HS256, { ...validPayload(), aud: 'elsewhere' })],
      ...(['sub', 'company_id', 'run_id', 'adapter_type', 'iat', 'exp', 'iss', 'aud'] as const).map((claim): [string, () => string] => [
        `missing ${claim}`,
        () => {
          const payload: Partial<RunJwtClaims> = validPayload();
          delete payload[claim];
          return forge(HS256, payload);
        },
      ]),
      ['an empty adapter_type', () => forge(HS256, { ...validPayload(), adapter_type: '' })],
      ['a numeric sub', () => forge(HS256, { ...validPayload(), sub: 42 })],
      ['exp as a string', () => forge(HS256, { ...validPayload(), exp: String(NOW + 60) })],
      ['iat as a string', () => forge(HS256, { ...validPayload(), iat: String(NOW) })],
      ['sub not a uuid', () => forge(HS256, { ...validPayload(), sub: 'agent-1' })],
      ['company_id not a uuid', () => forge(HS256, { ...validPayload(), company_id: 'acme' })],
      ['run_id not a uuid', () => forge(HS256, { ...validPayload(), run_id: '1' })],
      ['a payload that is not JSON', () => forge(HS256, 'not json')],
      ['a null payload', () => forge(HS256, 'null')],
      ['two segments', () => forge(HS256, validPayload()).split('.').slice(0, 2).join('.')],
      ['four segments', () => `${forge(HS256, validPayload())}.x`],
      ['an empty string', () => ''],
    ];

    it.each(cases)('%s', (_name, make) => {
      expect(service.verify(make(), NOW)).toBeUndefined();
    });

    it('(control) the forging helper makes accepted tokens when nothing is broken', () => {
      expect(service.verify(forge(HS256, validPayload()), NOW)).toBeDefined();
    });

    it('tokens of a service configured with another issuer/audience/secret', () => {
      const other = new RunJwtService({ ...config, agentJwtIssuer: 'x', agentJwtAudience: 'y' });
      expect(service.verify(other.sign(subject, NOW).token, NOW)).toBeUndefined();
      const otherSecret = new RunJwtService({ ...config, agentJwtSecret: 'a-completely-different-secret' });
      expect(service.verify(otherSecret.sign(subject, NOW).token, NOW)).toBeUndefined();
    });
  });

  describe('looksLikeJwt', () => {
    it('tells three base64url segments from keys and junk', () => {
      expect(looksLikeJwt(service.sign(subject, NOW).token)).toBe(true);
      expect(looksLikeJwt(`${b64({ alg: 'none' })}.${b64({})}.`)).toBe(true);
      expect(looksLikeJwt('clasp_agent_' + 'a'.repeat(48))).toBe(false);
      expect(looksLikeJwt('a.b')).toBe(false);
      expect(looksLikeJwt('a.b.c.d')).toBe(false);
      expect(looksLikeJwt('a b.c.d')).toBe(false);
    });
  });
});
