import { INestApplication, Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import request from 'supertest';
import { createClaspApp } from '../../src/bootstrap';
import type { AppConfig } from '../../src/config/app-config';
import { testConfig } from '../helpers/test-app';
import { createTestDatabase, poolFor } from '../helpers/test-database';

/**
 * Several server "processes" (each its own Nest application and connection pool, as separate
 * processes would have) sharing one database and one configuration (so one JWT secret).
 */
export interface ServerFleet {
  apps: INestApplication[];
  config: AppConfig & { databaseUrl: string };
  adminKey: string;
  db: Pool;
  http(index: number): ReturnType<typeof request>;
  /** Boots one more process against the same database (its start-up sweep runs before this resolves). */
  addProcess(): Promise<INestApplication>;
  close(): Promise<void>;
}

export async function startFleet(size: number, overrides: Partial<AppConfig> = {}): Promise<ServerFleet> {
  // Each app already runs with logger: false; this also mutes @nestjs/typeorm's static warning that a
  // second default data source was registered, which is expected here (one per simulated process).
  Logger.overrideLogger(false);
  const database = await createTestDatabase();
  const config = testConfig(database.url, overrides);
  const apps: INestApplication[] = [];
  const boot = async () => {
    const { app } = await createClaspApp(config, { logger: false });
    await app.listen(0, '127.0.0.1');
    apps.push(app);
    return app;
  };
  await Promise.all(Array.from({ length: size }, boot));
  const db = poolFor(database.url);
  return {
    apps,
    config,
    adminKey: config.bootstrapBoardKey as string,
    db,
    http: (index) => request(apps[index].getHttpServer()),
    addProcess: boot,
    close: async () => {
      await Promise.all(apps.map((app) => app.close()));
      await db.end();
      await database.drop();
    },
  };
}
