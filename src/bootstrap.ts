import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { AppLogger } from './common/app-logger';
import type { AppConfig } from './config/app-config';
import { migrateOnce } from './database/migrate';
import { BootstrapAdminService, BootstrapResult } from './users/bootstrap-admin.service';

export const WORKER_HEADER = 'X-Clasp-Worker';

function workerHeader(_req: unknown, res: { setHeader(name: string, value: string): void }, next: () => void): void {
  res.setHeader(WORKER_HEADER, String(process.pid));
  next();
}

export interface ClaspApp {
  app: NestExpressApplication;
  bootstrap: BootstrapResult;
}

/**
 * Builds a ready application against a database that is up: migrations applied (once across
 * processes), the bootstrap admin ensured. Shared by main.ts, the e2e tests and the benchmark.
 */
export async function createClaspApp(config: AppConfig & { databaseUrl: string }, options: { logger?: boolean; workerHeader?: boolean } = {}): Promise<ClaspApp> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: options.logger === false ? false : new AppLogger(config.logLevel),
    bufferLogs: false,
  });
  // In a cluster, which process answered (operators, the cluster e2e test): a header, so bodies keep their contract.
  if (options.workerHeader) app.use(workerHeader);
  configureApp(app);
  await migrateOnce(app.get(DataSource));
  const bootstrap = await app.get(BootstrapAdminService).ensureAdmin();
  await app.init();
  return { app, bootstrap };
}
