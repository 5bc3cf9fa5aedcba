import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthenticatedRequest } from '../auth/current-actor.decorator';
import { errorCodeOf } from '../common/response-error-code';
import { redactSecrets } from './redact';
import { routeTemplateOf } from './route-template';

/** Probes and scrapes every few seconds would drown the log: their successes log at debug only. */
const QUIET_ROUTES = new Set(['/api/health', '/api/health/live', '/api/health/ready', '/metrics']);

export interface AccessLine {
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

/** The one line per request (its request id comes from the request's child logger). */
export function accessLine(req: IncomingMessage, res: ServerResponse, durationMs: number): AccessLine {
  const actor = (req as AuthenticatedRequest).actor;
  return {
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

export function accessLevel(req: IncomingMessage, res: ServerResponse, error?: Error): 'debug' | 'info' | 'error' {
  if (error || res.statusCode >= 500) return 'error';
  if (res.statusCode < 400 && QUIET_ROUTES.has(routeTemplateOf(req))) return 'debug';
  return 'info';
}
