import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

const REQUEST_ID = Symbol('requestId');

type Tagged = Record<symbol, string | undefined>;

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

/** Tags every request with its id (first middleware, so every later line can carry it). */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  assignRequestId(req, res);
  next();
}

export function requestIdOf(req: Request): string {
  return (req as unknown as Tagged)[REQUEST_ID] ?? 'unknown';
}
