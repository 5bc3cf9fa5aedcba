import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import request from 'supertest';
import { createClaspApp } from '../../src/bootstrap';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { createTestDatabase, poolFor } from './test-database';

export interface TestApp {
  app: INestApplication;
  config: AppConfig & { databaseUrl: string };
  /** supertest bound to the running server. */
  http: () => ReturnType<typeof request>;
  /** Bootstrap instance-admin board key. */
  adminKey: string;
  /** Direct SQL access for seeding and assertions. */
  db: Pool;
  close(): Promise<void>;
}

export function testConfig(databaseUrl: string, overrides: Partial<AppConfig> = {}): AppConfig & { databaseUrl: string } {
  const base = loadConfig({
    DATA_DIR: mkdtempSync(join(tmpdir(), 'clasp-app-')),
    AGENT_JWT_SECRET: randomBytes(24).toString('hex'),
    BOOTSTRAP_BOARD_KEY: `clasp_board_${randomBytes(24).toString('hex')}`,
    LOG_LEVEL: 'error',
    // Tests drive the sweeper explicitly; keep the timer out of their way.
    SWEEP_INTERVAL_MS: '3600000',
    LOCK_TIMEOUT_MS: '5000',
    // CI runs the e2e suite with PG_BATCHING=on and =off.
    PG_BATCHING: process.env.PG_BATCHING,
  });
  return { ...base, ...overrides, databaseUrl };
}

/**
 * Boots the real AppModule through the same wiring as main.ts, on a database of its own. Silent,
 * unless `logStream` is given: then the JSON log lines go there.
 */
export async function startTestApp(overrides: Partial<AppConfig> = {}, options: { logStream?: { write(line: string): void } } = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = testConfig(database.url, overrides);
  const { app } = await createClaspApp(config, { logger: false, logStream: options.logStream });
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer();
  const db = poolFor(database.url);
  return {
    app,
    config,
    http: () => request(server),
    adminKey: config.bootstrapBoardKey as string,
    db,
    close: async () => {
      await app.close();
      await db.end();
      await database.drop();
    },
  };
}
