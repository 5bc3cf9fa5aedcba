import { ERROR_STATUS, ErrorCode } from './error-codes';

/** A refusal the client can act on; the exception filter renders it as `{error, code, details}`. */
export class DomainError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

export function notFound(what: string, details?: Record<string, unknown>): DomainError {
  return new DomainError('not_found', `${what} not found`, details);
}
