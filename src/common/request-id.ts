import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

const REQUEST_ID = Symbol('requestId');

type Tagged = Record<symbol, string | undefined>;

/** The id of the request being served, across its awaits: the log lines written meanwhile carry it. */
const servedRequest = new AsyncLocalStorage<string>();

/** The request's id, chosen once: the caller's `X-Request-Id` when sane, else a fresh uuid; echoed in the response. */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const existing = (req as unknown as Tagged)[REQUEST_ID];
  if (existing) return existing;
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
  (req as unknown as Tagged)[REQUEST_ID] = id;
  res.setHeader('X-Request-Id', id);
  return id;
}

/** Tags every request with its id and serves the rest of it in that id's context (an early middleware). */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  servedRequest.run(assignRequestId(req, res), next);
}

export function requestIdOf(req: IncomingMessage): string {
  return (req as unknown as Tagged)[REQUEST_ID] ?? 'unknown';
}

/** The id of the request whose handling is running now; undefined outside requests (the sweeper, start-up). */
export function currentRequestId(): string | undefined {
  return servedRequest.getStore();
}
