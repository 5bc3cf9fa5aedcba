import type { RouteKey } from './registered-routes';

/** The subset of a JSON schema the OpenAPI document uses for Clasp's parameters and bodies. */
export interface FieldSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: FieldSchema;
  nullable?: boolean;
  $ref?: string;
}

interface Operation {
  parameters?: { in: string; name: string; schema?: FieldSchema }[];
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, FieldSchema> }> };
}

/** What a route accepts beside its path, as the OpenAPI document declares it. */
export interface RouteShape {
  query: Record<string, FieldSchema>;
  headers: string[];
  /** Declared body fields, or null when the route takes no body. */
  body: Record<string, FieldSchema> | null;
}

/** `GET /api/issues/:id` → the document's `get` operation of `/api/issues/{id}` (undefined when undocumented). */
export function routeShape(doc: OpenApiDocument, key: RouteKey): RouteShape | undefined {
  const [method, path] = key.split(' ');
  const op = doc.paths[path.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
  if (!op) return undefined;
  const params = op.parameters ?? [];
  const ref = op.requestBody?.content['application/json']?.schema.$ref;
  return {
    query: Object.fromEntries(params.filter((p) => p.in === 'query').map((p) => [p.name, p.schema ?? {}])),
    headers: params.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase()),
    body: ref ? (doc.components.schemas[ref.split('/').pop() as string].properties ?? {}) : null,
  };
}
