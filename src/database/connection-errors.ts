import { QueryRunnerAlreadyReleasedError } from 'typeorm';
import { sqlStateOf } from './pg-errors';

/** Socket-level failures of the link to PostgreSQL (Node's codes, before any SQLSTATE exists). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * SQLSTATEs that mean "the server went away or is not serving yet", not "the statement was wrong":
 * class 08 (connection exception), 57P01 admin shutdown (also pg_terminate_backend), 57P02 crash
 * shutdown (an immediate stop), 57P03 cannot connect now (starting up, shutting down, recovering).
 */
const UNAVAILABLE_STATES = /^(08...|57P0[123])$/;

/** pg's and the pool's own wording when a connection dies under it or cannot be had. */
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect|terminating connection|the database system is (starting up|shutting down|in recovery|not yet accepting connections)/i;

/**
 * True when `error` says the database cannot be reached right now: the client gets 503 database_unavailable.
 * TypeORM releases a transaction's query runner itself when its connection emits 'error' (the server went
 * away under it): the transaction's next statement then fails with QueryRunnerAlreadyReleasedError instead.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof QueryRunnerAlreadyReleasedError) return true;
  const candidate = error as { code?: unknown; driverError?: { code?: unknown; message?: unknown }; message?: unknown };
  const socketCode = candidate?.driverError?.code ?? candidate?.code;
  if (typeof socketCode === 'string' && SOCKET_CODES.has(socketCode)) return true;
  const state = sqlStateOf(error);
  if (state && UNAVAILABLE_STATES.test(state)) return true;
  const message = `${String(candidate?.message ?? '')} ${String(candidate?.driverError?.message ?? '')}`;
  return UNAVAILABLE_MESSAGES.test(message);
}
