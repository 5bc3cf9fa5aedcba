import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import type { DestinationStream, Logger } from 'pino';
import { AppLogger, ROOT_LOGGER } from './common/app-logger';
import type { AppConfig } from './config/app-config';
import { accessLogMiddleware } from './logging/access-log';
import type { LogSettings } from './logging/log-options';
import { migrateOnce } from './database/migrate';
import { ClaspMetrics } from './metrics/clasp-metrics';
import { httpMetricsMiddleware } from './metrics/http-metrics.middleware';
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
export interface ClaspAppOptions {
  /** false: no log lines at all (the e2e tests), unless `logStream` is given. */
  logger?: boolean;
  /** JSON lines go here instead of stdout (tests that read the log). */
  logStream?: DestinationStream;
  workerHeader?: boolean;
}

function logSettings(config: AppConfig, options: ClaspAppOptions): LogSettings {
  if (options.logStream) return { level: config.logLevel, format: 'json', stream: options.logStream };
  if (options.logger === false) return { level: 'silent', format: 'json' };
  return { level: config.logLevel, format: config.logFormat };
}

export async function createClaspApp(config: AppConfig & { databaseUrl: string }, options: ClaspAppOptions = {}): Promise<ClaspApp> {
  const logs = logSettings(config, options);
  const quiet = logs.level === 'silent';
  // Lines logged while the app is built wait for the pino logger, which is part of the app.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logs), { logger: quiet ? false : undefined, bufferLogs: !quiet });
  if (!quiet) {
    app.useLogger(app.get(AppLogger));
    app.use(accessLogMiddleware(app.get<Logger>(ROOT_LOGGER)));
  }
  // In a cluster, which process answered (operators, the cluster e2e test): a header, so bodies keep their contract.
  if (options.workerHeader) app.use(workerHeader);
  app.use(httpMetricsMiddleware(app.get(ClaspMetrics)));
  configureApp(app);
  await migrateOnce(app.get(DataSource));
  const bootstrap = await app.get(BootstrapAdminService).ensureAdmin();
  await app.init();
  return { app, bootstrap };
}
