import { ERROR_STATUS, ErrorCode } from './error-codes';

/** A refusal the client can act on; the exception filter renders it as `{error, code, details}`. */
export class DomainError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Only where a route's contract answers a code with another status (see docs/error-codes.md). */
    statusOverride?: number,
  ) {
    super(message);
    this.status = statusOverride ?? ERROR_STATUS[code];
  }
}

export function notFound(what: string, details?: Record<string, unknown>): DomainError {
  return new DomainError('not_found', `${what} not found`, details);
}
