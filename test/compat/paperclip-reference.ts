import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The captures of a real Paperclip 2026.916.1 server and CLI (README.md beside them): a copy of
 * /work/shared/paperclip-reference kept in the repository so the suite runs anywhere.
 */
export const REFERENCE_DIR = join(__dirname, 'paperclip-reference');

export interface RecordedRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** Every request the CLI sent, as recorded (one JSON line each, placeholder ids `…0000000000xx`). */
export function cliRequestLines(): string[] {
  return readFileSync(join(REFERENCE_DIR, 'cli-requests.jsonl'), 'utf8').split('\n').filter((line) => line.trim());
}

/** One recorded request with its placeholder ids replaced through `ids` (keyed by the last two hex digits). */
export function recordedRequest(line: string, ids: Record<string, string>): RecordedRequest {
  return JSON.parse(substitute(line, ids)) as RecordedRequest;
}

export function substitute(text: string, ids: Record<string, string>): string {
  return text.replace(/00000000-0000-4000-8000-0000000000([0-9a-f]{2})/g, (placeholder, suffix: string) => {
    const id = ids[suffix];
    if (!id) throw new Error(`no id for placeholder ${placeholder}`);
    return id;
  });
}

export function reference(name: string): any {
  return JSON.parse(readFileSync(join(REFERENCE_DIR, 'responses', `${name}.json`), 'utf8'));
}

const jsonType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * The fields an agent reads: each must be in Paperclip's reply (so the list is honest) and in
 * Clasp's, with the same JSON type (null on either side matches any type: the captures were taken
 * with other data).
 */
export function expectFieldsLike(actual: Record<string, unknown> | null, paperclip: Record<string, unknown>, fields: readonly string[]): void {
  expect(actual).toEqual(expect.any(Object));
  if (!actual) return;
  const missing = (obj: Record<string, unknown>) => fields.filter((f) => !(f in obj));
  expect({ missingInPaperclip: missing(paperclip), missingInClasp: missing(actual) }).toEqual({ missingInPaperclip: [], missingInClasp: [] });
  const mismatched = fields.filter((f) => {
    const [a, p] = [jsonType(actual[f]), jsonType(paperclip[f])];
    return a !== 'null' && p !== 'null' && a !== p;
  });
  expect(mismatched.map((f) => `${f}: clasp ${jsonType(actual[f])}, paperclip ${jsonType(paperclip[f])}`)).toEqual([]);
}

export const ISSUE_FIELDS = [
  'id', 'companyId', 'projectId', 'goalId', 'parentId', 'title', 'description', 'status', 'workMode', 'priority', 'assigneeAgentId',
  'assigneeUserId', 'checkoutRunId', 'executionRunId', 'executionAgentNameKey', 'executionLockedAt', 'createdByAgentId', 'createdByUserId',
  'issueNumber', 'identifier', 'requestDepth', 'billingCode', 'startedAt', 'completedAt', 'cancelledAt', 'hiddenAt', 'createdAt', 'updatedAt',
] as const;
export const COMMENT_FIELDS = ['id', 'companyId', 'issueId', 'authorAgentId', 'authorUserId', 'authorType', 'createdByRunId', 'body', 'createdAt', 'updatedAt'] as const;
export const RUN_FIELDS = ['id', 'status', 'invocationSource', 'triggerDetail', 'startedAt', 'finishedAt', 'createdAt', 'agentId'] as const;
export const LIVE_RUN_FIELDS = [...RUN_FIELDS, 'agentName', 'adapterType'] as const;
export const AGENT_FIELDS = [
  'id', 'companyId', 'name', 'role', 'title', 'status', 'reportsTo', 'adapterType', 'permissions', 'lastHeartbeatAt', 'createdAt', 'updatedAt',
  'chainOfCommand',
] as const;
