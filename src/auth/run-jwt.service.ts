import { Inject, Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export interface RunJwtClaims {
  sub: string;
  company_id: string;
  run_id: string;
  adapter_type: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
}

const REQUIRED_STRING_CLAIMS = ['sub', 'company_id', 'run_id', 'adapter_type', 'iss', 'aud'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

function decodeJson(segment: string): unknown {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}

export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

/** HS256 run tokens, signed with AGENT_JWT_SECRET as given so a harness holding it can mint too. */
@Injectable()
export class RunJwtService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  sign(claims: Pick<RunJwtClaims, 'sub' | 'company_id' | 'run_id' | 'adapter_type'>, nowSeconds = Math.floor(Date.now() / 1000)): { token: string; expiresAt: Date } {
    const exp = nowSeconds + this.config.agentJwtTtlSeconds;
    const payload: RunJwtClaims = {
      ...claims,
      iat: nowSeconds,
      exp,
      iss: this.config.agentJwtIssuer,
      aud: this.config.agentJwtAudience,
    };
    const unsigned = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(payload))}`;
    return { token: `${unsigned}.${this.signature(unsigned)}`, expiresAt: new Date(exp * 1000) };
  }

  /** Returns the claims, or undefined for any token that is not a valid, current run JWT. */
  verify(token: string, nowSeconds = Math.floor(Date.now() / 1000)): RunJwtClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [headerPart, payloadPart, signaturePart] = parts;
    let header: unknown;
    let payload: unknown;
    try {
      header = decodeJson(headerPart);
      payload = decodeJson(payloadPart);
    } catch {
      return undefined;
    }
    if (!header || typeof header !== 'object' || (header as { alg?: unknown }).alg !== 'HS256') return undefined;
    const expected = Buffer.from(this.signature(`${headerPart}.${payloadPart}`));
    const given = Buffer.from(signaturePart);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    if (!payload || typeof payload !== 'object') return undefined;
    const claims = payload as Record<string, unknown>;
    if (REQUIRED_STRING_CLAIMS.some((name) => typeof claims[name] !== 'string' || claims[name] === '')) return undefined;
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number') return undefined;
    if (!UUID.test(claims.sub as string) || !UUID.test(claims.company_id as string) || !UUID.test(claims.run_id as string)) return undefined;
    if (claims.exp <= nowSeconds) return undefined;
    if (claims.iss !== this.config.agentJwtIssuer || claims.aud !== this.config.agentJwtAudience) return undefined;
    return claims as unknown as RunJwtClaims;
  }

  private signature(unsigned: string): string {
    return createHmac('sha256', Buffer.from(this.config.agentJwtSecret, 'utf8')).update(unsigned).digest('base64url');
  }
}
