import cluster, { Worker } from 'node:cluster';
import { join } from 'node:path';
import { createClaspApp } from './bootstrap';
import { closeGracefully } from './common/graceful-shutdown';
import type { AppConfig } from './config/app-config';
import { EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres';
import { migrateUrl } from './database/migrate';
import { AggregatorRegistry, PrometheusContentType } from 'prom-client';
import { ClaspMetrics } from './metrics/clasp-metrics';
import { answerMetricsRequests, shareWithPrimary } from './metrics/cluster-metrics';
import { printBanner } from './startup-banner';

/**
 * WORKERS > 1: N server processes on one port (node:cluster). The primary owns what must exist
 * once — the embedded PostgreSQL, the migrations, the start-up banner and the generated board
 * key — and the signals; the workers share nothing but the database, like replicas.
 */

type WorkerMessage = { type: 'clasp:ready'; generatedKey: string | null } | { type: 'clasp:failed'; line: string };

const WORKER_STOP_GRACE_MS = 8000;
/** A replacement that dies within this long of its start waits before the next one: no fork storm. */
const QUICK_DEATH_MS = 5000;

function isWorkerMessage(message: unknown): message is WorkerMessage {
  const type = (message as { type?: unknown } | null)?.type;
  return type === 'clasp:ready' || type === 'clasp:failed';
}

export async function runPrimary(config: AppConfig, startedAt: number): Promise<void> {
  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) embedded = await startEmbeddedPostgres(join(config.dataDir, 'pg'), config.embeddedPostgresPort);
  const databaseUrl = config.databaseUrl ?? (embedded as EmbeddedDatabase).url;

  let stopping = false;
  let started = false;
  let generatedKey: string | null = null;
  const ready = new Set<number>();
  const forkedAt = new Map<number, number>();
  let resolveStarted: () => void = () => undefined;
  const allReady = new Promise<void>((resolve) => (resolveStarted = resolve));
  const metrics = new AggregatorRegistry<PrometheusContentType>();

  const shutdown = async (exitCode: number, line: string, toStderr = false) => {
    if (stopping) return;
    stopping = true;
    (toStderr ? console.error : console.log)(line);
    await Promise.all(Object.values(cluster.workers ?? {}).flatMap((worker) => (worker ? [stopWorker(worker)] : [])));
    await embedded?.stop().catch(() => undefined);
    process.exit(exitCode);
  };

  process.once('SIGINT', () => void shutdown(0, 'Clasp: SIGINT received, stopping the workers'));
  process.once('SIGTERM', () => void shutdown(0, 'Clasp: SIGTERM received, stopping the workers'));
  process.on('uncaughtException', (error) => void shutdown(1, `Clasp: uncaught error in the primary: ${error?.stack ?? error}`, true));
  await migrateUrl(databaseUrl).catch(async (error: unknown) => {
    stopping = true;
    await embedded?.stop().catch(() => undefined);
    throw error;
  });

  const fork = (): Worker => {
    // DATABASE_URL: workers reach the primary's embedded database as an external one.
    const worker = cluster.fork({ DATABASE_URL: databaseUrl });
    forkedAt.set(worker.id, Date.now());
    answerMetricsRequests(worker, metrics);
    worker.on('message', (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      if (message.type === 'clasp:failed') {
        if (!started) void shutdown(1, message.line, true);
        else console.error(`Clasp: worker ${worker.process.pid} could not start: ${message.line}`);
        return;
      }
      generatedKey ??= message.generatedKey;
      ready.add(worker.id);
      if (!started && ready.size === config.workers) resolveStarted();
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (!started) {
      void shutdown(1, `Clasp failed to start: worker ${worker.process.pid} exited during start-up (${how})`, true);
      return;
    }
    const lived = Date.now() - (forkedAt.get(worker.id) ?? 0);
    forkedAt.delete(worker.id);
    console.error(`Clasp: worker ${worker.process.pid} exited (${how}); starting a replacement`);
    setTimeout(() => !stopping && fork(), lived < QUICK_DEATH_MS ? 1000 : 0);
  });

  for (let i = 0; i < config.workers; i++) fork();
  await allReady;
  started = true;
  printBanner(config, startedAt, embedded ? `embedded PostgreSQL in ${embedded.dir}` : 'DATABASE_URL', generatedKey, config.workers);
}

/** SIGTERM, then SIGKILL after the grace period; resolves once it is gone. */
function stopWorker(worker: Worker): Promise<void> {
  if (worker.isDead()) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => worker.process.kill('SIGKILL'), WORKER_STOP_GRACE_MS);
    worker.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    worker.process.kill('SIGTERM');
  });
}

export async function runWorker(config: AppConfig): Promise<void> {
  const { app, bootstrap } = await createClaspApp({ ...config, databaseUrl: config.databaseUrl as string }, { workerHeader: true });
  shareWithPrimary(app.get(ClaspMetrics).registry);
  let stopping = false;
  // Quiet: the primary says what is happening; a worker's exit code tells it the rest.
  const shutdown = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    await closeGracefully(app).catch(() => undefined);
    process.exit(exitCode);
  };
  process.on('uncaughtException', (error) => {
    console.error(`Clasp worker ${process.pid}: uncaught error: ${error?.stack ?? error}`);
    void shutdown(1);
  });
  // Ctrl-C reaches the whole process group: the workers stop themselves as the primary stops them.
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  await app.listen(config.port, config.host);
  process.send?.({ type: 'clasp:ready', generatedKey: bootstrap.generatedKey } satisfies WorkerMessage);
}

export function reportWorkerFailure(line: string): void {
  if (!process.send) {
    console.error(line);
    process.exit(1);
  }
  process.send({ type: 'clasp:failed', line } satisfies WorkerMessage, () => process.exit(1));
}
