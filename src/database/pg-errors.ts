/** PostgreSQL SQLSTATE codes the application reacts to. */
export const PgErrorCode = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  notNullViolation: '23502',
  invalidTextRepresentation: '22P02',
  stringTooLong: '22001',
  numericOutOfRange: '22003',
  invalidDatetime: '22007',
  characterNotInRepertoire: '22021',
  untranslatableCharacter: '22P05',
  lockNotAvailable: '55P03',
  deadlockDetected: '40P01',
  serializationFailure: '40001',
  queryCanceled: '57014',
} as const;

/**
 * CHECK constraints that back invariants the services already keep (migrations/…-IssueLockConstraints):
 * a request can never trip them, so a violation is a bug in Clasp, not an invalid value.
 */
export const INVARIANT_CONSTRAINTS: ReadonlySet<string> = new Set(['issues_locks_only_in_progress', 'issues_execution_lock_whole']);

export function constraintOf(error: unknown): string | undefined {
  const candidate = error as { constraint?: unknown; driverError?: { constraint?: unknown } };
  const name = candidate?.driverError?.constraint ?? candidate?.constraint;
  return typeof name === 'string' ? name : undefined;
}

export function sqlStateOf(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = candidate?.driverError?.code ?? candidate?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function isRetryableTransactionError(error: unknown): boolean {
  const code = sqlStateOf(error);
  return code === PgErrorCode.deadlockDetected || code === PgErrorCode.serializationFailure;
}
