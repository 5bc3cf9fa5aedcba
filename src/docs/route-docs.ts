import { ACCESS_EXTENSION, AccessRule, DocumentedAccess } from '../auth/access.decorator';
import { ERROR_STATUS, ErrorCode } from '../common/error-codes';
import { DocumentedError, ROUTE_ERRORS_EXTENSION, ROUTE_EXAMPLE_EXTENSION, SHARED_ERRORS_EXTENSION } from './api-route.decorator';
import { ERROR_MEANINGS } from './error-meanings';

export const ERROR_BODY_REF = '#/components/schemas/ErrorBody';
export const RUN_ID_HEADER_NAME = 'X-Paperclip-Run-Id';

interface Parameter { name: string; in: string; required?: boolean; description?: string; schema?: Record<string, unknown> }
interface Operation {
  summary?: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { example?: unknown }> };
  responses: Record<string, unknown>;
  [extension: `x-${string}`]: unknown;
}
interface Document { paths: Record<string, Record<string, Operation>> }

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);
// The path parameters the guard resolves to a company (src/auth/scope-resolver.service.ts).
const SCOPED_PATH = /\{(companyId|agentId|runId|id)\}/;

const RUN_ID_PARAMETER: Parameter = {
  name: RUN_ID_HEADER_NAME,
  in: 'header',
  required: false,
  schema: { type: 'string', format: 'uuid' },
  description:
    'Agents: the run you act in. With an agent key it is required to write to your in_progress issue (`run_id_required`); ' +
    "with a run JWT it is optional and must match the token's run (`run_id_mismatch`). Board users leave it empty.",
};

function boardWho(board: NonNullable<AccessRule['board']>): string {
  if (board === 'any') return 'any board user (board key)';
  if (board === 'instanceAdmin') return 'instance admins (board key)';
  if (board === 'viewer') return 'board members of the company, any role (board key; instance admins too)';
  return `board members of the company with the \`${board}\` role or above (board key; instance admins too)`;
}

function whoMayCall(access: DocumentedAccess): string {
  if ('public' in access) return 'anyone; no credential needed.';
  const who: string[] = [];
  if (access.board) who.push(boardWho(access.board));
  if (access.agent) who.push(`the company's agents (agent key + \`${RUN_ID_HEADER_NAME}\`, or run JWT)`);
  return `${who.join('; ')}.`;
}

/** The codes the global guard and the validation pipe answer on this route, from its access rule and shape. */
function guardErrors(access: DocumentedAccess, path: string, op: Operation): ErrorCode[] {
  const codes: ErrorCode[] = [];
  const hasInput = Boolean(op.requestBody) || (op.parameters ?? []).some((p) => p.in === 'query' || p.in === 'path');
  if (hasInput) codes.push('validation_failed');
  if (op.requestBody) codes.push('payload_too_large');
  if ('public' in access) return codes;
  codes.push('unauthenticated', 'invalid_credentials');
  if (!access.agent) codes.push('board_required');
  if (!access.board) codes.push('agent_required');
  if (access.agent) codes.push('validation_failed', 'run_id_mismatch');
  if (SCOPED_PATH.test(path)) codes.push('company_access_denied', 'not_found');
  if (access.board === 'instanceAdmin') codes.push('role_required');
  if (access.board === 'operator' || access.board === 'admin' || access.board === 'owner') codes.push('read_only_membership', 'role_required');
  return codes;
}

function codesOf(op: Operation, key: string): DocumentedError[] {
  const value = op[key as `x-${string}`];
  return Array.isArray(value) ? (value as DocumentedError[]) : [];
}

function errorResponse(codes: ErrorCode[]) {
  return {
    description: codes.map((code) => `\`${code}\`${ERROR_MEANINGS[code] ? ` — ${ERROR_MEANINGS[code]}` : ''}`).join('<br>'),
    content: {
      'application/json': {
        schema: { $ref: ERROR_BODY_REF },
        examples: Object.fromEntries(codes.map((code) => [code, { value: { error: ERROR_MEANINGS[code] ?? code, code } }])),
      },
    },
  };
}

function byStatus(errors: DocumentedError[]): Map<number, ErrorCode[]> {
  const groups = new Map<number, ErrorCode[]>();
  for (const error of errors) {
    const { code, status } = typeof error === 'string' ? { code: error, status: ERROR_STATUS[error] } : error;
    const group = groups.get(status) ?? [];
    if (!group.includes(code)) groups.set(status, [...group, code]);
  }
  return new Map([...groups].sort(([a], [b]) => a - b));
}

/**
 * `@Headers('idempotency-key')` makes Swagger add a bare, required header beside the `@ApiHeader`
 * that documents it; the UI then refuses to execute until it is filled. Headers are case-insensitive:
 * keep one per name, the documented one.
 */
function withoutDuplicateHeaders(parameters: Parameter[]): Parameter[] {
  const documented = new Map<string, Parameter>();
  for (const p of parameters) {
    const key = p.name.toLowerCase();
    if (p.in === 'header' && (!documented.has(key) || p.description)) documented.set(key, p);
  }
  return parameters.filter((p) => p.in !== 'header' || documented.get(p.name.toLowerCase()) === p);
}

function documentOperation(path: string, op: Operation): void {
  const access = op[ACCESS_EXTENSION] as DocumentedAccess | undefined;
  const groups = byStatus([
    ...(access ? guardErrors(access, path, op) : []),
    ...codesOf(op, SHARED_ERRORS_EXTENSION),
    ...codesOf(op, ROUTE_ERRORS_EXTENSION),
    'database_unavailable',
  ]);
  for (const [status, group] of groups) op.responses[String(status)] = errorResponse(group);

  const errorsLine = [...groups].map(([status, group]) => `${status} ${group.map((c) => `\`${c}\``).join(', ')}`).join(' · ');
  const parts = [op.description, access ? `**Who may call:** ${whoMayCall(access)}` : undefined, `**Errors:** ${errorsLine}`];
  op.description = parts.filter(Boolean).join('\n\n');

  op.parameters = withoutDuplicateHeaders(op.parameters ?? []);
  if (access && !('public' in access) && access.agent) {
    const parameters = op.parameters.filter((p) => !(p.in === 'header' && p.name.toLowerCase() === RUN_ID_HEADER_NAME.toLowerCase()));
    op.parameters = [...parameters, RUN_ID_PARAMETER];
  }
  const example = op[ROUTE_EXAMPLE_EXTENSION];
  const json = op.requestBody?.content?.['application/json'];
  if (example !== undefined && json) json.example = example;
  delete op[ROUTE_EXAMPLE_EXTENSION];
  delete op[ROUTE_ERRORS_EXTENSION];
  delete op[SHARED_ERRORS_EXTENSION];
}

/**
 * Completes every operation from the metadata the guard itself reads: "Who may call", the error
 * responses (all referencing the one ErrorBody schema), the run-id header on agent routes, and
 * the request example. A route's docs cannot claim an access rule it is not enforced with.
 */
export function documentRoutes<T extends object>(document: T): T {
  for (const [path, operations] of Object.entries((document as unknown as Document).paths)) {
    for (const [method, op] of Object.entries(operations)) if (METHODS.has(method)) documentOperation(path, op);
  }
  return document;
}
