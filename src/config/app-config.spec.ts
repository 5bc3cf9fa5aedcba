import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'clasp-config-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const env = (extra: Record<string, string> = {}) => ({ DATA_DIR: dataDir, ...extra });

  it('applies the documented defaults (api.md §1)', () => {
    const config = loadConfig(env(), false);
    expect(config).toEqual({
      port: 3100,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: resolve(dataDir),
      embeddedPostgresPort: 54329,
      agentJwtSecret: expect.stringMatching(/^[0-9a-f]{64}$/),
      agentJwtIssuer: 'paperclip',
      agentJwtAudience: 'paperclip-api',
      agentJwtTtlSeconds: 172800,
      bootstrapBoardKey: undefined,
      runLeaseSeconds: 300,
      sweepIntervalMs: 30000,
      lockTimeoutMs: 5000,
      logLevel: 'info',
      logFormat: 'json',
      metricsToken: undefined,
      pgBatching: true,
      workers: Math.min(64, availableParallelism()),
    });
  });

  it('DATA_DIR defaults to ./.data', () => {
    const cwd = process.cwd();
    const scratch = mkdtempSync(join(tmpdir(), 'clasp-cwd-'));
    try {
      process.chdir(scratch);
      expect(loadConfig({}).dataDir).toBe(join(process.cwd(), '.data'));
    } finally {
      process.chdir(cwd);
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('generates the JWT secret once, keeps it in DATA_DIR (0600), and reuses it', () => {
    const first = loadConfig(env()).agentJwtSecret;
    const file = join(dataDir, 'agent-jwt-secret');
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig(env()).agentJwtSecret).toBe(first);
  });

  it('uses AGENT_JWT_SECRET as given and writes no file', () => {
    const config = loadConfig(env({ AGENT_JWT_SECRET: 'a-shared-secret-of-some-length' }));
    expect(config.agentJwtSecret).toBe('a-shared-secret-of-some-length');
    expect(existsSync(join(dataDir, 'agent-jwt-secret'))).toBe(false);
  });

  it('reads every variable', () => {
    const key = `clasp_board_${'ab'.repeat(24)}`;
    const config = loadConfig(
      env({
        PORT: '8080',
        HOST: '0.0.0.0',
        DATABASE_URL: 'postgresql://u:p@db:5432/clasp',
        EMBEDDED_PG_PORT: '6543',
        AGENT_JWT_ISSUER: 'iss',
        AGENT_JWT_AUDIENCE: 'aud',
        AGENT_JWT_TTL_SECONDS: '60',
        BOOTSTRAP_BOARD_KEY: key,
        RUN_LEASE_SECONDS: '30',
        SWEEP_INTERVAL_MS: '1000',
        LOCK_TIMEOUT_MS: '250',
        LOG_LEVEL: 'DEBUG',
      }),
    );
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgresql://u:p@db:5432/clasp',
      embeddedPostgresPort: 6543,
      agentJwtIssuer: 'iss',
      agentJwtAudience: 'aud',
      agentJwtTtlSeconds: 60,
      bootstrapBoardKey: key,
      runLeaseSeconds: 30,
      sweepIntervalMs: 1000,
      lockTimeoutMs: 250,
      logLevel: 'debug',
    });
  });

  it('LOG_FORMAT defaults to pretty on a terminal, json elsewhere; METRICS_TOKEN is kept as given', () => {
    expect(loadConfig(env(), true).logFormat).toBe('pretty');
    expect(loadConfig(env({ LOG_FORMAT: 'JSON' }), true).logFormat).toBe('json');
    expect(loadConfig(env({ LOG_FORMAT: 'pretty' }), false).logFormat).toBe('pretty');
    expect(loadConfig(env({ METRICS_TOKEN: ' s3cret ' })).metricsToken).toBe('s3cret');
  });

  it('PG_BATCHING=off turns the batching client off (any case)', () => {
    expect(loadConfig(env({ PG_BATCHING: 'OFF' })).pgBatching).toBe(false);
    expect(loadConfig(env({ PG_BATCHING: 'on' })).pgBatching).toBe(true);
  });

  it('WORKERS takes a whole number from 1 to 64', () => {
    expect(loadConfig(env({ WORKERS: '1' })).workers).toBe(1);
    expect(loadConfig(env({ WORKERS: ' 64 ' })).workers).toBe(64);
  });

  it('treats empty values as unset and trims whitespace', () => {
    const config = loadConfig(env({ PORT: '', LOG_LEVEL: '  ', DATABASE_URL: '', HOST: ' ::1 ', RUN_LEASE_SECONDS: ' 45 ' }));
    expect(config).toMatchObject({ port: 3100, logLevel: 'info', databaseUrl: undefined, host: '::1', runLeaseSeconds: 45 });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '-1'],
    ['PORT', '1.5'],
    ['PORT', '70000'],
    ['PORT', '3100abc'],
    ['EMBEDDED_PG_PORT', '80'],
    ['AGENT_JWT_TTL_SECONDS', '0'],
    ['AGENT_JWT_TTL_SECONDS', 'forever'],
    ['RUN_LEASE_SECONDS', 'x'],
    ['RUN_LEASE_SECONDS', '0'],
    ['SWEEP_INTERVAL_MS', '10'],
    ['LOCK_TIMEOUT_MS', '1e3'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'localhost:5432/clasp'],
    ['BOOTSTRAP_BOARD_KEY', 'clasp_board_short'],
    ['BOOTSTRAP_BOARD_KEY', `clasp_agent_${'a'.repeat(48)}`],
    ['BOOTSTRAP_BOARD_KEY', `clasp_board_${'A'.repeat(48)}`],
    ['AGENT_JWT_SECRET', 'short'],
    ['PG_BATCHING', 'maybe'],
    ['LOG_FORMAT', 'xml'],
    ['WORKERS', '0'],
    ['WORKERS', '65'],
    ['WORKERS', '2.5'],
    ['WORKERS', 'all'],
  ])('%s=%j throws a ConfigError naming the variable', (name, value) => {
    let thrown: unknown;
    try {
      loadConfig(env({ [name]: value }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toContain(name);
    expect((thrown as Error).message).not.toContain('\n');
  });
});
