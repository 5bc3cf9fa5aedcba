import type { AppConfig } from './config/app-config';

/** What `npm start` prints once the server listens: URLs, where the data is, and a generated board key (first start only). */
export function printBanner(config: AppConfig, startedAt: number, database: string, generatedKey: string | null, workers = 1): void {
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const processes = workers > 1 ? `, ${workers} worker processes` : '';
  console.log(`Clasp listening on ${url} (ready in ${Date.now() - startedAt} ms${processes})`);
  console.log(`Swagger UI: ${url}/docs`);
  console.log(`Database: ${database}`);
  if (generatedKey) {
    console.log('');
    console.log('First start: created the instance admin "admin". Its board key (shown only this once):');
    console.log(`  ${generatedKey}`);
    console.log('Use it as "Authorization: Bearer <key>" or in the Swagger UI\'s Authorize dialog.');
  }
}
