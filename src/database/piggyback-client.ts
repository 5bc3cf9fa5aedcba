import { Client, Query } from 'pg';

/** Asks the client to commit the transaction right after this statement, in the same round trip. */
export interface AndCommit {
  andCommit?: boolean;
}

/** The pg internals this module builds on (pg 8: lib/query.js and lib/connection.js). */
interface PgConnection {
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
  callback?: (error: Error | null, result?: unknown) => void;
  requiresPreparation(): boolean;
  prepare(connection: PgConnection): void;
  handleCommandComplete(message: unknown, connection: PgConnection): void;
  _getRows(connection: PgConnection, rows?: number): void;
}

const QueryBase = Query as unknown as new (config: unknown, values?: unknown) => PgQueryInternals;

/** Writes an unnamed statement without Sync: an error in it makes PostgreSQL skip the rest up to Sync. */
function sendUnsynced(connection: PgConnection, text: 'BEGIN' | 'COMMIT'): void {
  connection.parse({ text, name: '', types: [] });
  connection.bind({ portal: '', statement: '', values: [] });
  connection.execute({ portal: '', rows: 0 });
}

/**
 * One statement sent as a single batch of protocol messages with BEGIN in front of it and/or
 * COMMIT behind it, closed by one Sync. PostgreSQL runs them in order and, after an error, skips
 * to the Sync: the statement never runs outside the transaction (BEGIN failed) and COMMIT never
 * follows a failed statement. Only the statement's own result reaches the caller.
 */
class TransactionEdgeQuery extends QueryBase {
  private completions = 0;
  /** Set once the statement itself completed: the COMMIT behind it then either ran or failed, ending the transaction. */
  statementCompleted = false;

  constructor(
    config: unknown,
    values: unknown,
    private readonly withBegin: boolean,
    private readonly withCommit: boolean,
  ) {
    super(config, values);
  }

  /** pg calls this with the socket corked, after checking the query: the batch leaves in one write. */
  override prepare(connection: PgConnection): void {
    if (this.withBegin) sendUnsynced(connection, 'BEGIN');
    super.prepare(connection);
  }

  override _getRows(connection: PgConnection, rows?: number): void {
    connection.execute({ portal: this.portal, rows });
    if (this.withCommit) sendUnsynced(connection, 'COMMIT');
    connection.sync();
  }

  override handleCommandComplete(message: unknown, connection: PgConnection): void {
    this.completions++;
    const statementCompletion = this.withBegin ? 2 : 1;
    if (this.completions !== statementCompletion) return; // BEGIN's or COMMIT's
    this.statementCompleted = true;
    super.handleCommandComplete(message, connection);
  }
}

function emptyResult(command: string) {
  return { command, rowCount: null, oid: 0, rows: [], fields: [] };
}

/**
 * The pool's client. A short transaction (BEGIN, lock, check, write, COMMIT) spends as many round
 * trips on BEGIN and COMMIT as on its work; on a loaded machine each round trip is a socket write
 * and a wake-up of both processes. So TypeORM's `START TRANSACTION` is held back and sent in front
 * of the transaction's first statement, and a statement sent with `andCommit` carries the COMMIT
 * behind it — each in the same write and round trip, with the same all-or-nothing outcome
 * (see TransactionEdgeQuery). A transaction that ran no statement sends nothing at all.
 *
 * After a statement with `andCommit` the transaction is over: TypeORM's own COMMIT (or ROLLBACK)
 * is answered here, and any other statement before it is refused rather than run in autocommit.
 */
export class PiggybackClient extends Client {
  private beginHeld = false;
  private committedEarly = false;

  override query(config: any, values?: any, callback?: any): any {
    const text: unknown = typeof config === 'string' ? config : config?.text;
    const plain = callback === undefined && typeof config?.submit !== 'function' && !(Array.isArray(values) && values.length);

    if (plain && text === 'START TRANSACTION') {
      this.beginHeld = true;
      this.committedEarly = false;
      return Promise.resolve(emptyResult('BEGIN'));
    }
    if (plain && (text === 'COMMIT' || text === 'ROLLBACK') && (this.beginHeld || this.committedEarly)) {
      this.beginHeld = false;
      this.committedEarly = false;
      return Promise.resolve(emptyResult(text));
    }
    if (this.committedEarly) {
      return Promise.reject(new Error('A statement was sent after the transaction committed with its last statement'));
    }

    const andCommit = Boolean((config as AndCommit | undefined)?.andCommit) && (this.beginHeld || this.getTransactionStatus() === 'T');
    if (!this.beginHeld && !andCommit) return super.query(config, values, callback);
    if (typeof config?.submit === 'function' || callback !== undefined) return this.afterBegin(() => super.query(config, values, callback));

    const edgeQuery = new TransactionEdgeQuery(config, values, this.beginHeld, andCommit);
    // A named statement's first Parse must not share a batch with BEGIN: pg would credit BEGIN's
    // ParseComplete to it and remember it as prepared even if its own Parse then failed. Such a
    // statement (and anything not sent as one extended-protocol batch) goes the usual way.
    const piggybacks = edgeQuery.requiresPreparation() && !edgeQuery.rows && (!edgeQuery.name || this.isPrepared(edgeQuery.name));
    if (!piggybacks) return this.afterBegin(() => super.query(config, values));
    this.beginHeld = false;
    return new Promise((resolve, reject) => {
      edgeQuery.callback = (error, result) => {
        if (andCommit && edgeQuery.statementCompleted) this.committedEarly = !error;
        return error ? reject(error) : resolve(result);
      };
      super.query(edgeQuery as never);
    });
  }

  /** Sends the held BEGIN on its own, then `next`. */
  private afterBegin<T>(next: () => T): Promise<Awaited<T>> | T {
    if (!this.beginHeld) return next();
    this.beginHeld = false;
    return super.query('BEGIN').then(next) as Promise<Awaited<T>>;
  }

  private isPrepared(name: string): boolean {
    return (this as unknown as { connection: PgConnection }).connection.parsedStatements[name] !== undefined;
  }
}
