import 'reflect-metadata';
import cluster from 'node:cluster';
import { join } from 'node:path';
import { closeGracefully } from './common/graceful-shutdown';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres';
import { printBanner } from './startup-banner';

/**
 * WORKERS=1: one process, no cluster — the embedded database, the app and the signals all here.
 * The application's modules are loaded while PostgreSQL starts (it is a process of its own), so a
 * restart costs the longer of the two rather than both.
 */
async function runSingle(config: AppConfig, startedAt: number): Promise<void> {
  const embeddedStart = config.databaseUrl ? Promise.resolve(undefined) : startEmbeddedPostgres(join(config.dataDir, 'pg'), config.embeddedPostgresPort);
  const [embedded, { createClaspApp }] = await Promise.all([
    embeddedStart,
    import('./bootstrap.js').catch(async (error: unknown) => {
      await (await embeddedStart.catch(() => undefined))?.stop().catch(() => undefined);
      throw error;
    }),
  ]);
  const databaseUrl = config.databaseUrl ?? (embedded as EmbeddedDatabase).url;
  // An embedded cluster must not outlive a start that failed half-way.
  const { app, bootstrap } = await createClaspApp({ ...config, databaseUrl }).catch(async (error: unknown) => {
    await embedded?.stop().catch(() => undefined);
    throw error;
  });

  let stopping = false;
  const shutdown = async (reason: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    console.log(`Clasp: ${reason}, shutting down`);
    await closeGracefully(app).catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    process.exit(exitCode);
  };
  process.on('uncaughtException', (error) => {
    console.error(`Clasp: uncaught error: ${error?.stack ?? error}`);
    void shutdown('uncaught error', 1);
  });
  process.once('SIGINT', () => void shutdown('SIGINT received'));
  process.once('SIGTERM', () => void shutdown('SIGTERM received'));

  await app.listen(config.port, config.host);
  printBanner(config, startedAt, embedded ? `embedded PostgreSQL in ${embedded.dir}` : 'DATABASE_URL', bootstrap.generatedKey);
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const config = loadConfig();
  // Each role loads only its own modules: a primary never needs the application's.
  if (cluster.isWorker) return (await import('./cluster-worker.js')).runWorker(config);
  if (config.workers > 1) return (await import('./cluster-primary.js')).runPrimary(config, startedAt);
  return runSingle(config, startedAt);
}

main().catch((error: unknown) => {
  let line: string;
  if (error instanceof ConfigError) {
    line = `Clasp: invalid configuration: ${error.message}`;
  } else {
    const detail = process.env.LOG_LEVEL === 'debug' ? (error as Error)?.stack : (error as Error)?.message;
    line = `Clasp failed to start: ${detail ?? error}`;
  }
  // A worker leaves the printing to the primary: N workers failing alike must not print N lines.
  if (cluster.isWorker) return void import('./cluster-worker.js').then(({ reportWorkerFailure }) => reportWorkerFailure(line));
  console.error(line);
  process.exit(1);
});
