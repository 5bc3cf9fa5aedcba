import 'reflect-metadata';
import { join } from 'node:path';
import { createClaspApp } from './bootstrap';
import { ConfigError, loadConfig } from './config/app-config';
import { EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres';

async function main(): Promise<void> {
  const startedAt = Date.now();
  const config = loadConfig();
  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    embedded = await startEmbeddedPostgres(join(config.dataDir, 'pg'), config.embeddedPostgresPort);
  }
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
    await app.close().catch(() => undefined);
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
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  console.log(`Clasp listening on ${url} (ready in ${Date.now() - startedAt} ms)`);
  console.log(`Swagger UI: ${url}/docs`);
  console.log(`Database: ${embedded ? `embedded PostgreSQL in ${embedded.dir}` : 'DATABASE_URL'}`);
  if (bootstrap.generatedKey) {
    console.log('');
    console.log('First start: created the instance admin "admin". Its board key (shown only this once):');
    console.log(`  ${bootstrap.generatedKey}`);
    console.log('Use it as "Authorization: Bearer <key>" or in the Swagger UI\'s Authorize dialog.');
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`Clasp: invalid configuration: ${error.message}`);
  } else {
    const detail = process.env.LOG_LEVEL === 'debug' ? (error as Error)?.stack : (error as Error)?.message;
    console.error(`Clasp failed to start: ${detail ?? error}`);
  }
  process.exit(1);
});
