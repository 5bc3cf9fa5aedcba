import cluster, { Worker } from 'node:cluster';
import { join } from 'node:path';
import { AggregatorRegistry, PrometheusContentType } from 'prom-client';
import type { AppConfig } from './config/app-config';
import { EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres';
import { migrateUrl } from './database/migrate';
import { isWorkerMessage, PrimaryMessage } from './cluster-messages';
import { answerMetricsRequests } from './metrics/cluster-metrics';
import { printBanner } from './startup-banner';

/**
 * WORKERS > 1: N server processes on one port (node:cluster). The primary owns what must exist
 * once — the embedded PostgreSQL, the migrations, the start-up banner and the generated board
 * key — and the signals; the workers share nothing but the database, like replicas. The workers
 * are forked first: they load the application while the primary starts and migrates the
 * database, and ask for its URL (cluster-worker.ts) — a start costs the longer of the two, not both.
 */

const WORKER_STOP_GRACE_MS = 8000;
/** A replacement that dies within this long of its start waits before the next one: no fork storm. */
const QUICK_DEATH_MS = 5000;

export async function runPrimary(config: AppConfig, startedAt: number): Promise<void> {
  let embeddedStart: Promise<EmbeddedDatabase | undefined> = Promise.resolve(undefined);
  // Stopping must wait for a database that is still starting, or it would outlive the primary.
  const embeddedIfStarted = () => embeddedStart.catch(() => undefined);

  let stopping = false;
  let started = false;
  let generatedKey: string | null = null;
  let databaseUrl: string | undefined;
  const waitingForDatabase: Worker[] = [];
  const ready = new Set<number>();
  const forkedAt = new Map<number, number>();
  let resolveStarted: () => void = () => undefined;
  const allReady = new Promise<void>((resolve) => (resolveStarted = resolve));
  const metrics = new AggregatorRegistry<PrometheusContentType>();

  const stopEverything = async () => {
    await Promise.all(Object.values(cluster.workers ?? {}).flatMap((worker) => (worker ? [stopWorker(worker)] : [])));
    await (await embeddedIfStarted())?.stop().catch(() => undefined);
  };
  const shutdown = async (exitCode: number, line: string, toStderr = false) => {
    if (stopping) return;
    stopping = true;
    (toStderr ? console.error : console.log)(line);
    await stopEverything();
    process.exit(exitCode);
  };

  process.once('SIGINT', () => void shutdown(0, 'Clasp: SIGINT received, stopping the workers'));
  process.once('SIGTERM', () => void shutdown(0, 'Clasp: SIGTERM received, stopping the workers'));
  process.on('uncaughtException', (error) => void shutdown(1, `Clasp: uncaught error in the primary: ${error?.stack ?? error}`, true));

  const sendDatabase = (worker: Worker, url: string) => worker.send({ type: 'clasp:database', url } satisfies PrimaryMessage);

  const fork = (): Worker => {
    const worker = cluster.fork();
    forkedAt.set(worker.id, Date.now());
    answerMetricsRequests(worker, metrics);
    worker.on('message', (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      if (message.type === 'clasp:database-wanted') {
        if (databaseUrl) sendDatabase(worker, databaseUrl);
        else waitingForDatabase.push(worker);
      } else if (message.type === 'clasp:failed') {
        if (!started) void shutdown(1, message.line, true);
        else console.error(`Clasp: worker ${worker.process.pid} could not start: ${message.line}`);
      } else {
        generatedKey ??= message.generatedKey;
        ready.add(worker.id);
        if (!started && ready.size === 1) forkTheRest();
        if (!started && ready.size === config.workers) resolveStarted();
      }
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

  // One worker first, the others once it listens: on a machine with few cores, N processes
  // loading the application at once would each take N times as long, and the server would
  // answer nothing until they all had. Forked before the database starts: finding the
  // PostgreSQL binaries and OS user blocks this process for a while.
  const forkTheRest = () => {
    for (let i = 1; i < config.workers && !stopping; i++) fork();
  };
  fork();
  if (!config.databaseUrl) embeddedStart = startEmbeddedPostgres(join(config.dataDir, 'pg'), config.embeddedPostgresPort);

  let embedded: EmbeddedDatabase | undefined;
  try {
    embedded = await embeddedStart;
    const url = config.databaseUrl ?? (embedded as EmbeddedDatabase).url;
    await migrateUrl(url);
    databaseUrl = url;
  } catch (error) {
    if (stopping) return;
    stopping = true;
    await stopEverything();
    throw error;
  }
  if (stopping) return;
  for (const worker of waitingForDatabase.splice(0)) if (!worker.isDead()) sendDatabase(worker, databaseUrl);

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
