import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AuthenticatedRequest } from '../auth/current-actor.decorator';
import { requestIdOf } from '../common/request-id';
import { errorCodeOf } from '../common/response-error-code';
import { redactSecrets } from './redact';
import { routeTemplateOf } from './route-template';

/** Probes and scrapes every few seconds would drown the log: their successes log at debug only. */
const QUIET_ROUTES = new Set(['/api/health', '/api/health/live', '/api/health/ready', '/metrics']);

export interface AccessLine {
  requestId: string;
  method: string | undefined;
  route: string;
  url: string;
  status: number;
  durationMs: number;
  actorType: 'board' | 'agent' | null;
  actorId: string | null;
  runId: string | null;
  code: string | null;
}

/** The one line per request. */
export function accessLine(req: IncomingMessage, res: ServerResponse, durationMs: number): AccessLine {
  const actor = (req as AuthenticatedRequest).actor;
  return {
    requestId: requestIdOf(req),
    method: req.method,
    route: routeTemplateOf(req),
    url: redactSecrets((req as { originalUrl?: string }).originalUrl ?? req.url ?? ''),
    status: res.statusCode,
    durationMs,
    actorType: actor?.type ?? null,
    actorId: actor ? (actor.type === 'agent' ? actor.agentId : actor.userId) : null,
    runId: actor?.type === 'agent' ? actor.runId : null,
    code: errorCodeOf(res) ?? null,
  };
}

function accessLevel(req: IncomingMessage, res: ServerResponse): 'debug' | 'info' | 'warn' | 'error' {
  if (res.statusCode >= 500) return 'error';
  // The client went away before the last byte (`status` is what was being answered).
  if (!res.writableFinished) return 'warn';
  if (res.statusCode < 400 && QUIET_ROUTES.has(routeTemplateOf(req))) return 'debug';
  return 'info';
}

/**
 * Writes the access line when the response is over (sent, or cut by the client). Nothing is built
 * for a request whose line the level filters out (`LOG_LEVEL=warn`).
 */
export function accessLogMiddleware(logger: Logger) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const started = Date.now();
    res.once('close', () => {
      const level = accessLevel(req, res);
      if (!logger.isLevelEnabled(level)) return;
      logger[level](accessLine(req, res, Date.now() - started), res.writableFinished ? 'request' : 'request aborted');
    });
    next();
  };
}
