import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFormat = 'json' | 'pretty';

export interface AppConfig {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPostgresPort: number;
  agentJwtSecret: string;
  agentJwtIssuer: string;
  agentJwtAudience: string;
  agentJwtTtlSeconds: number;
  bootstrapBoardKey: string | undefined;
  runLeaseSeconds: number;
  sweepIntervalMs: number;
  lockTimeoutMs: number;
  logLevel: LogLevel;
  /** LOG_FORMAT: one JSON object a line, or pino-pretty's coloured lines (the default on a TTY). */
  logFormat: LogFormat;
  /** METRICS_TOKEN: when set, GET /metrics wants `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** PG_BATCHING: BEGIN rides with the first statement and lock reads share a round trip (PiggybackClient). */
  pgBatching: boolean;
  /** WORKERS: server processes on one port (node:cluster); 1 runs a single process, no cluster. */
  workers: number;
}

/** Thrown for an invalid environment; main.ts prints its one-line message and exits. */
export class ConfigError extends Error {}

export const MAX_WORKERS = 64;
const LOG_LEVELS: LogLevel[] = ['error', 'warn', 'info', 'debug'];
const BOARD_KEY_PATTERN = /^clasp_board_[0-9a-f]{48}$/;

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function text(env: NodeJS.ProcessEnv, name: string, fallback?: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? fallback : raw.trim();
}

/** Reads the persisted JWT secret from DATA_DIR, creating it on first use, so restarts keep tokens valid. */
function persistedSecret(dataDir: string): string {
  const file = join(dataDir, 'agent-jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, stdoutIsTty = process.stdout.isTTY === true): AppConfig {
  const databaseUrl = text(env, 'DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const logLevel = (text(env, 'LOG_LEVEL', 'info') as string).toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }
  const logFormat = (text(env, 'LOG_FORMAT', stdoutIsTty ? 'pretty' : 'json') as string).toLowerCase();
  if (logFormat !== 'json' && logFormat !== 'pretty') throw new ConfigError(`LOG_FORMAT must be json or pretty, got "${env.LOG_FORMAT}"`);
  const bootstrapBoardKey = text(env, 'BOOTSTRAP_BOARD_KEY');
  if (bootstrapBoardKey && !BOARD_KEY_PATTERN.test(bootstrapBoardKey)) {
    throw new ConfigError('BOOTSTRAP_BOARD_KEY must look like clasp_board_ followed by 48 hex characters');
  }
  const secret = text(env, 'AGENT_JWT_SECRET');
  if (secret !== undefined && secret.length < 16) {
    throw new ConfigError('AGENT_JWT_SECRET must be at least 16 characters');
  }
  const batching = (text(env, 'PG_BATCHING', 'on') as string).toLowerCase();
  if (batching !== 'on' && batching !== 'off') throw new ConfigError(`PG_BATCHING must be on or off, got "${env.PG_BATCHING}"`);
  const dataDir = resolve(text(env, 'DATA_DIR', './.data') as string);
  return {
    port: integer(env, 'PORT', 3100, 0, 65535),
    host: text(env, 'HOST', '127.0.0.1') as string,
    databaseUrl,
    dataDir,
    embeddedPostgresPort: integer(env, 'EMBEDDED_PG_PORT', 54329, 1024, 65535),
    agentJwtSecret: secret ?? persistedSecret(dataDir),
    agentJwtIssuer: text(env, 'AGENT_JWT_ISSUER', 'paperclip') as string,
    agentJwtAudience: text(env, 'AGENT_JWT_AUDIENCE', 'paperclip-api') as string,
    agentJwtTtlSeconds: integer(env, 'AGENT_JWT_TTL_SECONDS', 172800, 1, 31_536_000),
    bootstrapBoardKey,
    runLeaseSeconds: integer(env, 'RUN_LEASE_SECONDS', 300, 1, 86_400 * 7),
    sweepIntervalMs: integer(env, 'SWEEP_INTERVAL_MS', 30000, 100, 86_400_000),
    lockTimeoutMs: integer(env, 'LOCK_TIMEOUT_MS', 5000, 10, 600_000),
    logLevel,
    logFormat,
    metricsToken: text(env, 'METRICS_TOKEN'),
    pgBatching: batching === 'on',
    workers: integer(env, 'WORKERS', Math.min(MAX_WORKERS, availableParallelism()), 1, MAX_WORKERS),
  };
}

/** Injection token for the validated configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');
