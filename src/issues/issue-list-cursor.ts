import { DomainError } from '../common/domain-error';

/**
 * The position after the last issue of a list page, in the list order (priority rank, updated_at
 * desc, id): opaque to clients (base64url JSON). `updatedAt` is PostgreSQL's own text of the
 * timestamp, microseconds included — a JS Date would round them away and break ties.
 */
export interface IssueListCursor {
  rank: number;
  updatedAt: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PG_TIMESTAMPTZ = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?([+-])(\d{2})(?::(\d{2}))?(?::\d{2})?$/;

export function encodeIssueListCursor(cursor: IssueListCursor): string {
  return Buffer.from(JSON.stringify([cursor.rank, cursor.updatedAt, cursor.id])).toString('base64url');
}

function invalidCursor(): DomainError {
  return new DomainError('validation_failed', 'cursor is not one this server returned in X-Next-Cursor', {
    problems: [{ field: 'cursor', problems: ['must be the X-Next-Cursor value of a previous page'] }],
  });
}

/** Valid calendar fields, so that PostgreSQL parses the text without error (a client must never cause a 500). */
function isTimestamp(text: string): boolean {
  const m = PG_TIMESTAMPTZ.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second, , offsetHours] = m.slice(1).map(Number);
  const calendar = new Date(Date.UTC(year, month - 1, day));
  return (
    year >= 1 && calendar.getUTCFullYear() === year && calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day &&
    hour < 24 && minute < 60 && second < 60 && offsetHours <= 15
  );
}

export function decodeIssueListCursor(text: string): IssueListCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw invalidCursor();
  const [rank, updatedAt, id] = parsed as unknown[];
  if (!Number.isInteger(rank) || (rank as number) < 0 || (rank as number) > 3) throw invalidCursor();
  if (typeof updatedAt !== 'string' || !isTimestamp(updatedAt)) throw invalidCursor();
  if (typeof id !== 'string' || !UUID.test(id)) throw invalidCursor();
  return { rank: rank as number, updatedAt, id };
}
