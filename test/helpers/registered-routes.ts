import type { INestApplication } from '@nestjs/common';
import { METHODS } from 'node:http';

/** `METHOD /path` with Express-style `:param`s, e.g. `GET /api/issues/:id`. */
export type RouteKey = string;

interface ExpressLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/**
 * Every route the running application answers, read from the HTTP adapter's own router (not from
 * a list kept by hand): the controllers' routes under the global prefix, and what Swagger and any
 * middleware-free `app.get()` register beside them. A route added anywhere shows up here.
 */
export function registeredRoutes(app: INestApplication): RouteKey[] {
  const instance = app.getHttpAdapter().getInstance() as { router?: { stack: ExpressLayer[] }; _router?: { stack: ExpressLayer[] } };
  const stack = (instance.router ?? instance._router)?.stack;
  if (!stack) throw new Error('registeredRoutes: the HTTP adapter is not Express; teach this helper to read its router');
  const keys = stack.flatMap((layer) => {
    if (!layer.route) return [];
    const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
    const methods = Object.keys(layer.route.methods).filter((m) => layer.route?.methods[m] && m !== '_all');
    // Nest mounts route-bound middleware (`consumer.apply().forRoutes()`) with router.all(), which flags every
    // HTTP method at once; that is middleware in front of the routes, not a route of its own.
    if (methods.length === METHODS.length) return [];
    return paths.flatMap((path) => methods.map((m) => `${m.toUpperCase()} ${path}`));
  });
  return [...new Set(keys)];
}

/** The `:name` parameters of a route key, in order. */
export const pathParams = (key: RouteKey): string[] => [...key.matchAll(/:(\w+)/g)].map(([, name]) => name);

/** The key's path with its parameters replaced by `values[name]`, each URI-encoded. */
export function fillPath(key: RouteKey, values: Record<string, string>): string {
  const path = key.slice(key.indexOf(' ') + 1);
  return path.replace(/:(\w+)/g, (_m, name: string) => {
    if (values[name] === undefined) throw new Error(`${key}: no value for :${name}`);
    return encodeURIComponent(values[name]);
  });
}

export const methodOf = (key: RouteKey) => key.slice(0, key.indexOf(' '));
