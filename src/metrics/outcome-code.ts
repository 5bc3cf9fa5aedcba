import { DomainError } from '../common/domain-error';
import { isRetryableTransactionError, PgErrorCode, sqlStateOf } from '../database/pg-errors';

/** The error code a refused request answers with, for outcome labels: a bounded set, never a message. */
export function outcomeCodeOf(error: unknown): string {
  if (error instanceof DomainError) return error.code;
  if (sqlStateOf(error) === PgErrorCode.lockNotAvailable || isRetryableTransactionError(error)) return 'issue_busy';
  return 'error';
}
