import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { ERROR_STATUS } from './error-codes';

/** How long requests in flight get to finish after SIGTERM: the process exits within 10 s (a cluster primary kills at 8 s). */
export const SHUTDOWN_GRACE_MS = 6000;
const IDLE_SWEEP_MS = 50;

interface ExpressLike {
  locals: Record<string, unknown>;
}

/**
 * A request that arrives on a kept-alive connection while the process drains is refused (503
 * shutting_down, Connection: close) rather than started: it could not finish before the pool closes.
 */
export function refuseWhileDraining(req: { app: ExpressLike }, res: ServerResponseLike, next: () => void): void {
  if (req.app.locals.claspDraining !== true) return next();
  res.setHeader('Connection', 'close');
  res.status(ERROR_STATUS.shutting_down).json({ error: 'The server is shutting down; retry on another process', code: 'shutting_down' });
}

interface ServerResponseLike {
  setHeader(name: string, value: string): void;
  status(code: number): { json(body: unknown): void };
}

/**
 * SIGTERM: stop accepting connections, let the requests in flight finish (closing each connection as
 * it goes idle), and only then close the application — its pool and sweeper — so no write in flight
 * loses its database half-way. After `graceMs` whatever is still open is cut.
 */
export async function closeGracefully(app: INestApplication, graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
  const express = app.getHttpAdapter().getInstance() as ExpressLike;
  express.locals.claspDraining = true;
  const server = app.getHttpServer() as Server;
  if (server.listening) {
    await new Promise<void>((resolve) => {
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      server.close(() => {
        clearInterval(sweep);
        clearTimeout(cut);
        resolve();
      });
      server.closeIdleConnections();
    });
  }
  await app.close();
}
