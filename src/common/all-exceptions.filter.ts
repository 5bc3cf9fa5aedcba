import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from '../database/connection-errors';
import { constraintOf, INVARIANT_CONSTRAINTS, PgErrorCode, sqlStateOf } from '../database/pg-errors';
import { DomainError } from './domain-error';
import { ErrorCode } from './error-codes';
import { requestIdOf } from './request-id';
import { noteErrorCode } from './response-error-code';

interface Rendered {
  status: number;
  body: { error: string; code: string; details?: Record<string, unknown> };
}

const HTTP_CODES: Record<number, ErrorCode> = {
  400: 'validation_failed',
  401: 'unauthenticated',
  404: 'not_found',
  413: 'payload_too_large',
};

function fromDatabase(error: unknown): Rendered | undefined {
  switch (sqlStateOf(error)) {
    case PgErrorCode.uniqueViolation:
      return { status: 409, body: { error: 'A record with these values already exists', code: 'duplicate' } };
    case PgErrorCode.lockNotAvailable:
      return { status: 409, body: { error: 'The issue is busy; try again', code: 'issue_busy' } };
    case PgErrorCode.deadlockDetected:
    case PgErrorCode.serializationFailure:
      return { status: 409, body: { error: 'Concurrent update; try again', code: 'issue_busy' } };
    case PgErrorCode.foreignKeyViolation:
      return { status: 422, body: { error: 'A referenced record does not exist', code: 'invalid_reference' } };
    case PgErrorCode.invalidTextRepresentation:
    case PgErrorCode.stringTooLong:
    case PgErrorCode.numericOutOfRange:
    case PgErrorCode.invalidDatetime:
    case PgErrorCode.characterNotInRepertoire:
    case PgErrorCode.untranslatableCharacter:
    case PgErrorCode.notNullViolation:
      return { status: 400, body: { error: 'A value is invalid', code: 'validation_failed' } };
    case PgErrorCode.checkViolation:
      // An invariant constraint refusing a write means the service built a bad row: a 500, logged.
      if (INVARIANT_CONSTRAINTS.has(constraintOf(error) ?? '')) return undefined;
      return { status: 400, body: { error: 'A value is invalid', code: 'validation_failed' } };
    default:
      return undefined;
  }
}

function fromHttpException(exception: HttpException): Rendered {
  const status = exception.getStatus();
  const response = exception.getResponse() as string | { message?: unknown };
  const message =
    typeof response === 'string' ? response : Array.isArray(response.message) ? response.message.join('; ') : String(response.message ?? exception.message);
  const code = HTTP_CODES[status] ?? (status >= 500 ? 'internal' : 'validation_failed');
  return { status, body: { error: message, code } };
}

/** The one place that turns anything thrown into `{error, code, details}`. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const rendered = this.render(exception, request);
    if (response.headersSent) return;
    noteErrorCode(response, rendered.body.code);
    response.status(rendered.status).json(rendered.body);
  }

  private render(exception: unknown, request: Request): Rendered {
    if (exception instanceof DomainError) {
      const body: Rendered['body'] = { error: exception.message, code: exception.code };
      if (exception.details) body.details = exception.details;
      return { status: exception.status, body };
    }
    if (exception instanceof HttpException) return fromHttpException(exception);
    const bodyParserError = exception as { type?: string; status?: number };
    if (bodyParserError?.type === 'entity.parse.failed') {
      return { status: 400, body: { error: 'Request body is not valid JSON', code: 'validation_failed', details: { problems: [{ field: 'body', problems: ['must be valid JSON'] }] } } };
    }
    if (bodyParserError?.type === 'entity.too.large') {
      return { status: 413, body: { error: 'Request body is too large', code: 'payload_too_large' } };
    }
    if (exception instanceof QueryFailedError || sqlStateOf(exception)) {
      const mapped = fromDatabase(exception);
      if (mapped) return mapped;
    }
    if (isDatabaseUnavailable(exception)) {
      return { status: 503, body: { error: 'The database is unavailable', code: 'database_unavailable' } };
    }
    const requestId = requestIdOf(request);
    this.logger.error(`request ${requestId} ${request.method} ${request.url} failed: ${(exception as Error)?.stack ?? exception}`);
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { error: 'Internal error', code: 'internal', details: { requestId } } };
  }
}
