import { randomUUID } from 'node:crypto';
import { forgeJwt, jwtSegment as b64 } from '../../test/helpers/jwt-forgery';
import type { AppConfig } from '../config/app-config';
import { looksLikeJwt, RUN_JWT_CLOCK_TOLERANCE_SECONDS as TOLERANCE, RunJwtClaims, RunJwtService } from './run-jwt.service';

const SECRET = 'unit-test-secret-0123456789abcdef';
const NOW = 1_800_000_000;
const config = { agentJwtSecret: SECRET, agentJwtIssuer: 'paperclip', agentJwtAudience: 'paperclip-api', agentJwtTtlSeconds: 3600 } as AppConfig;

/** A token from raw parts, signed HS256 with `secret` (plain HMAC, as a harness would) unless a signature is given. */
const forge = (header: unknown, payload: unknown, secret = SECRET, signature?: string) => forgeJwt(header, payload, secret, signature);

describe('RunJwtService', () => {
  const service = new RunJwtService(config);
  const subject = { sub: randomUUID(), company_id: randomUUID(), run_id: randomUUID(), adapter_type: 'process' };
  const validPayload = (): RunJwtClaims => ({ ...subject, iat: NOW, exp: NOW + 3600, iss: 'paperclip', aud: 'paperclip-api' });
  const HS256 = { alg: 'HS256', typ: 'JWT' };

  describe('sign → verify', () => {
    it('round-trips the claims, with iat/exp/iss/aud from the configuration', async () => {
      const { token, expiresAt } = await service.sign(subject, NOW);
      expect(token.split('.')).toHaveLength(3);
      expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
      expect(await service.verify(token, NOW + 1)).toEqual(validPayload());
      expect(expiresAt).toEqual(new Date((NOW + 3600) * 1000));
    });

    it('signs with the UTF-8 bytes of the secret as given, so a harness holding it can mint tokens too', async () => {
      expect(await service.verify(forge(HS256, validPayload()), NOW)).toEqual(validPayload());
      expect((await service.sign(subject, NOW)).token).toBe(forge(HS256, validPayload()));
    });

    it('treats a secret with non-ASCII characters as its UTF-8 bytes', async () => {
      const secret = 'clé-secrète-ünïcode-✓-0123456789';
      const unicode = new RunJwtService({ ...config, agentJwtSecret: secret });
      expect(await unicode.verify(forge(HS256, validPayload(), secret), NOW)).toEqual(validPayload());
      expect(await unicode.verify(forge(HS256, validPayload(), Buffer.from(secret, 'utf8').toString('latin1')), NOW)).toBeUndefined();
    });

    it(`is valid until ${TOLERANCE} s (the clock tolerance between replicas) after exp`, async () => {
      const { token } = await service.sign(subject, NOW);
      expect(await service.verify(token, NOW + 3600 + TOLERANCE - 1)).toBeDefined();
      expect(await service.verify(token, NOW + 3600 + TOLERANCE)).toBeUndefined();
    });

    it('verifies against the current time by default', async () => {
      const now = Math.floor(Date.now() / 1000);
      expect(await service.verify((await service.sign(subject)).token)).toMatchObject({ sub: subject.sub });
      expect(await service.verify((await service.sign(subject, now - 7200)).token)).toBeUndefined();
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
      ['expired', () => forge(HS256, { ...validPayload(), exp: NOW - 60 })],
      ['expired by exactly the clock tolerance', () => forge(HS256, { ...validPayload(), exp: NOW - TOLERANCE })],
      ['not valid yet (nbf in the future)', () => forge(HS256, { ...validPayload(), nbf: NOW + 600 })],
      ['a critical header extension it does not know', () => forge({ ...HS256, crit: ['x-clasp'], 'x-clasp': 1 }, validPayload())],
      ['an unencoded payload (b64: false)', () => forge({ ...HS256, crit: ['b64'], b64: false }, validPayload())],
      ['alg HS384', () => forge({ alg: 'HS384', typ: 'JWT' }, validPayload())],
      ['aud a list without ours', () => forge(HS256, { ...validPayload(), aud: ['elsewhere'] })],
      ['a JSON array as payload', () => forge(HS256, '[]')],
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

    it.each(cases)('%s', async (_name, make) => {
      expect(await service.verify(make(), NOW)).toBeUndefined();
    });

    it('(control) the forging helper makes accepted tokens when nothing is broken', async () => {
      expect(await service.verify(forge(HS256, validPayload()), NOW)).toBeDefined();
      expect(await service.verify(forge(HS256, { ...validPayload(), aud: ['elsewhere', 'paperclip-api'] }), NOW)).toBeDefined();
    });

    it('tokens of a service configured with another issuer/audience/secret', async () => {
      const other = new RunJwtService({ ...config, agentJwtIssuer: 'x', agentJwtAudience: 'y' });
      expect(await service.verify((await other.sign(subject, NOW)).token, NOW)).toBeUndefined();
      const otherSecret = new RunJwtService({ ...config, agentJwtSecret: 'a-completely-different-secret' });
      expect(await service.verify((await otherSecret.sign(subject, NOW)).token, NOW)).toBeUndefined();
    });
  });

  describe('looksLikeJwt', () => {
    it('tells three base64url segments from keys and junk', async () => {
      expect(looksLikeJwt((await service.sign(subject, NOW)).token)).toBe(true);
      expect(looksLikeJwt(`${b64({ alg: 'none' })}.${b64({})}.`)).toBe(true);
      expect(looksLikeJwt('clasp_agent_' + 'a'.repeat(48))).toBe(false);
      expect(looksLikeJwt('a.b')).toBe(false);
      expect(looksLikeJwt('a.b.c.d')).toBe(false);
      expect(looksLikeJwt('a b.c.d')).toBe(false);
    });
  });
});
