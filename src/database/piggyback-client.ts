import { Client, Connection, Query } from 'pg';

/** One statement of a batch, as pg takes it. */
export interface StatementConfig {
  name?: string;
  text: string;
  values?: unknown[];
}

/** Several statements run in order in one round trip; an error skips the rest. */
export interface StatementBatchConfig {
  statements: StatementConfig[];
}

/** The pg internals this module builds on (pg 8.23: lib/query.js, lib/client.js, lib/connection.js). */
interface PgConnection {
  stream: { cork(): void; uncork(): void };
  parsedStatements: Record<string, string>;
  parse(config: { text: string; name?: string; types?: unknown[] }): void;
  bind(config: { portal?: string; statement?: string; values?: unknown[] }): void;
  execute(config: { portal?: string; rows?: number }): void;
  sync(): void;
}

interface PgQueryInternals {
  name?: string;
  portal: string;
  rows?: number;
  values?: unknown;
  callback?: (error: Error | null, result?: any) => void;
  requiresPreparation(): boolean;
  prepare(connection: PgConnection): void;
  submit(connection: PgConnection): Error | null;
  handleCommandComplete(message: unknown, connection: PgConnection): void;
  handleReadyForQuery(connection: PgConnection): void;
  handleError(error: Error, connection: PgConnection): void;
  _getRows(connection: PgConnection, rows?: number): void;
}

const QueryBase = Query as unknown as new (config: unknown, values?: unknown) => PgQueryInternals;

/** Writes an unnamed statement without Sync: an error in it makes PostgreSQL skip the rest up to Sync. */
function sendUnsynced(connection: PgConnection, text: 'BEGIN'): void {
  connection.parse({ text, name: '', types: [] });
  connection.bind({ portal: '', statement: '', values: [] });
  connection.execute({ portal: '', rows: 0 });
}

/** Writes one statement's messages for a StatementBatch (BEGIN before it, and Sync after the last). */
class BatchPart extends QueryBase {
  bindError?: Error;

  constructor(
    config: StatementConfig,
    private readonly beginBefore: boolean,
    private readonly syncAfter: boolean,
  ) {
    super(config);
    // pg reports a value it cannot bind here, after closing the batch with a Sync.
    this.callback = (error) => (this.bindError = error ?? undefined);
  }

  override prepare(connection: PgConnection): void {
    if (this.beginBefore) sendUnsynced(connection, 'BEGIN');
    super.prepare(connection);
  }

  override _getRows(connection: PgConnection, rows?: number): void {
    connection.execute({ portal: this.portal, rows });
    if (this.syncAfter) connection.sync();
  }
}

/**
 * Statements sent as one batch of protocol messages — with BEGIN in front when it is held back —
 * closed by one Sync: one write, one round trip. PostgreSQL runs them in order (each with a
 * snapshot of its own) and, after an error, skips to the Sync: no statement runs outside the
 * transaction (BEGIN failed) or after a failed one. The caller gets one result per statement;
 * BEGIN's completion is not among them.
 */
class StatementBatch extends QueryBase {
  private completions = 0;

  constructor(
    private readonly parts: BatchPart[],
    private readonly withBegin: boolean,
  ) {
    super({});
  }

  override submit(connection: PgConnection): Error | null {
    connection.stream.cork();
    try {
      for (const part of this.parts) {
        part.prepare(connection);
        if (part.bindError) break; // pg closed the batch with a Sync: nothing may follow it
      }
    } finally {
      connection.stream.uncork();
    }
    return null;
  }

  override handleCommandComplete(message: unknown, connection: PgConnection): void {
    const statement = ++this.completions - (this.withBegin ? 1 : 0);
    if (statement < 1) return; // BEGIN's
    super.handleCommandComplete(message, connection);
  }

  override handleReadyForQuery(connection: PgConnection): void {
    const failed = this.parts.find((part) => part.bindError);
    if (!failed) return super.handleReadyForQuery(connection);
    // pg closed the statement on the server when it could not bind it, but still counts it as
    // prepared: forget it, or every later use on this connection would fail.
    if (failed.name) delete connection.parsedStatements[failed.name];
    this.handleError(failed.bindError as Error, connection);
  }
}

function emptyResult(command: string) {
  return { command, rowCount: null, oid: 0, rows: [], fields: [] };
}

type PgResult = { rows: unknown[] };

/**
 * The pool's client. A short transaction (BEGIN, lock, check, write, COMMIT) spends a round trip
 * on BEGIN alone; on a loaded machine each round trip is a socket write and a wake-up of both
 * processes. So TypeORM's `START TRANSACTION` is held back and sent in front of the transaction's
 * first statement, and `{ statements: [...] }` sends several statements at once (queryInOrder) —
 * each batch in one write and round trip, with the all-or-nothing outcome described at
 * StatementBatch. A transaction that ran no statement sends nothing at all. COMMIT is TypeORM's
 * own, sent when the unit of work returns: services never say where a transaction ends.
 *
 * It builds on pg internals (see PgConnection, PgQueryInternals): `batchingSupported()` checks
 * they are there at start-up, and the stock client is used when they are not (or PG_BATCHING=off).
 */
export class PiggybackClient extends Client {
  private beginHeld = false;

  override query(config: any, values?: any, callback?: any): any {
    const text: unknown = typeof config === 'string' ? config : config?.text;
    const plain = callback === undefined && typeof config?.submit !== 'function' && !(Array.isArray(values) && values.length);

    if (plain && text === 'START TRANSACTION') {
      this.beginHeld = true;
      return Promise.resolve(emptyResult('BEGIN'));
    }
    if (plain && (text === 'COMMIT' || text === 'ROLLBACK') && this.beginHeld) {
      this.beginHeld = false; // the transaction never started on the server: nothing to end
      return Promise.resolve(emptyResult(text));
    }

    const batch: StatementConfig[] | undefined = (config as Partial<StatementBatchConfig> | undefined)?.statements;
    if (batch) return this.runBatch(batch);
    if (!this.beginHeld) return super.query(config, values, callback);
    if (callback !== undefined || typeof config?.submit === 'function') {
      return this.afterBegin(() => super.query(config, values, callback));
    }
    const statement: StatementConfig = typeof config === 'string' ? { text: config, values } : { ...config, values: values ?? config.values };
    return this.runBatch([statement]).then(([result]) => result);
  }

  /** Resolves to one result per statement. */
  private runBatch(statements: StatementConfig[]): Promise<PgResult[]> {
    const parts = statements.map((statement, i) => new BatchPart(statement, i === 0 && this.beginHeld, i === statements.length - 1));
    if (!parts.every((part) => this.canBatch(part))) return this.runOneByOne(statements);

    const batch = new StatementBatch(parts, this.beginHeld);
    this.beginHeld = false;
    return new Promise((resolve, reject) => {
      batch.callback = (error, result) => {
        if (error) reject(error);
        else resolve(Array.isArray(result) ? result : [result]);
      };
      super.query(batch as never);
    });
  }
  /**
   * A named statement's first Parse must not share a batch: pg credits every ParseComplete to the
   * batch, not to the statement, so it would not learn that the statement is now prepared (and
   * would credit BEGIN's to whatever it is running). Such statements, and anything not sent with
   * the extended protocol, go one by one — once per statement and connection.
   */
  private canBatch(part: BatchPart): boolean {
    const connection = (this as unknown as { connection: PgConnection }).connection;
    return part.requiresPreparation() && !part.rows && Array.isArray(part.values ?? []) && (!part.name || part.name in connection.parsedStatements);
  }

  /** The way pg sends statements by itself. */
  private async runOneByOne(statements: StatementConfig[]): Promise<PgResult[]> {
    const results: PgResult[] = [];
    for (const statement of statements) results.push(await this.afterBegin(() => super.query(statement)));
    return results;
  }

  /** Sends the held BEGIN on its own, then `next`. */
  private afterBegin<T>(next: () => T): Promise<Awaited<T>> | T {
    if (!this.beginHeld) return next();
    this.beginHeld = false;
    return super.query('BEGIN').then(next) as Promise<Awaited<T>>;
  }
}

const QUERY_INTERNALS = ['requiresPreparation', 'prepare', 'submit', 'handleCommandComplete', 'handleReadyForQuery', 'handleError', '_getRows'];
const CONNECTION_INTERNALS = ['parse', 'bind', 'execute', 'sync'];

/**
 * Whether the installed pg still has the internals PiggybackClient builds on. Checked once at
 * start-up, so a pg upgrade that moves them falls back to the stock client instead of breaking.
 */
export function batchingSupported(query: object = Query.prototype, connection: unknown = safeConnection()): boolean {
  const has = (target: unknown, names: string[]) => !!target && names.every((name) => typeof (target as Record<string, unknown>)[name] === 'function');
  const parsed = (connection as { parsedStatements?: unknown } | undefined)?.parsedStatements;
  const stream = (connection as { stream?: { cork?: unknown; uncork?: unknown } } | undefined)?.stream;
  return has(query, QUERY_INTERNALS) && has(connection, CONNECTION_INTERNALS) && typeof parsed === 'object' && parsed !== null &&
    typeof stream?.cork === 'function' && typeof stream?.uncork === 'function';
}

function safeConnection(): unknown {
  try {
    return new Connection();
  } catch {
    return undefined;
  }
}
