import { Inject, Injectable } from '@nestjs/common';
import { type CryptoKey, errors, jwtVerify, SignJWT } from 'jose';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export interface RunJwtClaims {
  sub: string;
  company_id: string;
  run_id: string;
  adapter_type: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string | string[];
}

/**
 * Replicas' and harnesses' clocks drift apart by a few seconds: a token is accepted until this many
 * seconds after its `exp`, so a token minted on one replica is not refused early by another.
 */
export const RUN_JWT_CLOCK_TOLERANCE_SECONDS = 5;

const ALGORITHM = 'HS256';
const REQUIRED_CLAIMS = ['sub', 'company_id', 'run_id', 'adapter_type', 'iat', 'exp', 'iss', 'aud'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

/** jose checks presence, iss, aud and the time claims; these are the claims only Clasp gives meaning to. */
function hasRunClaims(payload: Record<string, unknown>): payload is Record<string, unknown> & RunJwtClaims {
  const { sub, company_id, run_id, adapter_type } = payload;
  return [sub, company_id, run_id].every((id) => typeof id === 'string' && UUID.test(id)) && typeof adapter_type === 'string' && adapter_type !== '';
}

/** HS256 run tokens (jose), keyed with the UTF-8 bytes of AGENT_JWT_SECRET so a harness holding it can mint too. */
@Injectable()
export class RunJwtService {
  private key?: Promise<CryptoKey>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Imported once: given the raw bytes, jose would import them again on every call (about 80 µs). */
  private hmacKey(): Promise<CryptoKey> {
    this.key ??= crypto.subtle.importKey('raw', new TextEncoder().encode(this.config.agentJwtSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    return this.key;
  }

  async sign(
    claims: Pick<RunJwtClaims, 'sub' | 'company_id' | 'run_id' | 'adapter_type'>,
    nowSeconds = Math.floor(Date.now() / 1000),
  ): Promise<{ token: string; expiresAt: Date }> {
    const exp = nowSeconds + this.config.agentJwtTtlSeconds;
    const payload: RunJwtClaims = { ...claims, iat: nowSeconds, exp, iss: this.config.agentJwtIssuer, aud: this.config.agentJwtAudience };
    const token = await new SignJWT({ ...payload }).setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' }).sign(await this.hmacKey());
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** Resolves to the claims, or to undefined for any token that is not a valid, current run JWT. */
  async verify(token: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<RunJwtClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, await this.hmacKey(), {
        algorithms: [ALGORITHM],
        issuer: this.config.agentJwtIssuer,
        audience: this.config.agentJwtAudience,
        requiredClaims: REQUIRED_CLAIMS,
        clockTolerance: RUN_JWT_CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(nowSeconds * 1000),
      });
      return hasRunClaims(payload) ? payload : undefined;
    } catch (error) {
      if (error instanceof errors.JOSEError) return undefined;
      throw error;
    }
  }
}
