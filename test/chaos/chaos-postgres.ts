import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { freePort } from '../../src/database/free-port';
import type { StopMode } from '../../src/database/postgres-process';
import { sleep } from '../helpers/server-process';

/** The chaos run's own PostgreSQL, which it restarts (fast or immediate) on the same port and data. */
export class ChaosPostgres {
  private db: EmbeddedDatabase | undefined;
  /** The runner's own connections: application_name differs from the servers' `clasp`, so it never terminates itself. */
  readonly admin: Pool;

  private constructor(
    private readonly root: string,
    readonly port: number,
    db: EmbeddedDatabase,
  ) {
    this.db = db;
    this.admin = new Pool({ connectionString: db.url, max: 3, application_name: 'clasp-chaos', connectionTimeoutMillis: 2000 });
    // An idle admin connection dies with every restart: expected, not fatal.
    this.admin.on('error', () => undefined);
  }

  static async start(): Promise<ChaosPostgres> {
    const root = mkdtempSync(join(tmpdir(), 'clasp-chaos-'));
    chmodSync(root, 0o755); // as root, PostgreSQL runs as its own user, which must reach the data directory
    const port = await freePort();
    return new ChaosPostgres(root, port, await startEmbeddedPostgres(join(root, 'pg'), port));
  }

  get url(): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/clasp`;
  }

  /**
   * Stops in `mode`, stays down `downMs` (so a monitor can see the outage), starts again. Resolves
   * when it was asked to stop, was gone, was being started, and first accepted a connection (ready).
   */
  async restart(mode: StopMode, downMs = 300): Promise<{ stoppedAt: number; downAt: number; startAt: number; readyAt: number }> {
    const stoppedAt = Date.now();
    await this.db?.stop(mode);
    this.db = undefined;
    const downAt = Date.now();
    await sleep(downMs);
    const startAt = Date.now();
    let readyAt: number | undefined;
    const firstConnection = (async () => {
      while (readyAt === undefined) {
        const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 1000 });
        client.on('error', () => undefined);
        try {
          await client.connect();
          readyAt = Date.now();
        } catch {
          await sleep(20);
        } finally {
          await client.end().catch(() => undefined);
        }
      }
    })();
    this.db = await startEmbeddedPostgres(join(this.root, 'pg'), this.port);
    await firstConnection;
    return { stoppedAt, downAt, startAt, readyAt: readyAt as number };
  }

  /** pg_terminate_backend on up to `count` random server connections; resolves how many were cut. */
  async terminateRandomBackends(count: number): Promise<number> {
    const { rows } = await this.admin.query<{ cut: boolean }>(
      `SELECT pg_terminate_backend(pid) AS cut FROM (
         SELECT pid FROM pg_stat_activity WHERE application_name = 'clasp' AND datname = current_database() ORDER BY random() LIMIT $1
       ) victims`,
      [count],
    );
    return rows.filter((row) => row.cut).length;
  }

  async stop(): Promise<void> {
    await this.admin.end().catch(() => undefined);
    await this.db?.stop();
    rmSync(this.root, { recursive: true, force: true });
  }
}
