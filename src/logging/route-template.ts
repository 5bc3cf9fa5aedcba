import type { IncomingMessage } from 'node:http';

/**
 * The route a request matched, as declared (`/api/issues/:id/checkout`): bounded, so it can label
 * metrics. `unmatched` for paths no route took (404s, static Swagger assets).
 */
export function routeTemplateOf(req: IncomingMessage): string {
  const path = (req as { route?: { path?: unknown } }).route?.path;
  // Nest's not-found handler is a catch-all route (`*path`): no route of ours took the request.
  return typeof path === 'string' && !path.startsWith('*') ? path : 'unmatched';
}
