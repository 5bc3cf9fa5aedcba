import { closeGracefully } from './common/graceful-shutdown';
import type { AppConfig } from './config/app-config';
import { isPrimaryMessage, WorkerMessage } from './cluster-messages';

/** Asks the primary for the database, which it answers once the database is up and migrated. */
function databaseFromPrimary(): Promise<string> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (!isPrimaryMessage(message)) return;
      process.off('message', onMessage);
      resolve(message.url);
    };
    process.on('message', onMessage);
    process.send?.({ type: 'clasp:database-wanted' } satisfies WorkerMessage);
  });
}

export async function runWorker(config: AppConfig): Promise<void> {
  // The application's modules take most of a start: load them while the primary starts the database.
  const databaseUrl = databaseFromPrimary();
  const [{ createClaspApp }, { ClaspMetrics }, { shareWithPrimary }] = await Promise.all([
    import('./bootstrap.js'),
    import('./metrics/clasp-metrics.js'),
    import('./metrics/cluster-metrics.js'),
  ]);
  const { app, bootstrap } = await createClaspApp({ ...config, databaseUrl: await databaseUrl }, { workerHeader: true });
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
