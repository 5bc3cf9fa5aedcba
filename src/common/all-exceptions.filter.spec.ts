import {
  ArgumentsHost, BadRequestException, HttpException, InternalServerErrorException, Logger, NotFoundException, PayloadTooLargeException,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { AllExceptionsFilter } from './all-exceptions.filter';
import { DomainError } from './domain-error';
import { requestIdMiddleware } from './request-id';

interface Captured {
  status?: number;
  body?: any;
}

function run(exception: unknown, options: { headersSent?: boolean; requestId?: string } = {}): Captured {
  const captured: Captured = {};
  const headers: Record<string, string> = options.requestId ? { 'x-request-id': options.requestId } : {};
  const request = { method: 'POST', url: '/api/things', headers, header: (name: string) => headers[name.toLowerCase()] } as unknown as Request;
  const response = {
    headersSent: options.headersSent ?? false,
    setHeader: () => undefined,
    status(code: number) {
      captured.status = code;
      return this;
    },
    json(body: unknown) {
      captured.body = body;
      return this;
    },
  } as unknown as Response;
  requestIdMiddleware(request, response, () => undefined);
  const host = { switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }) } as unknown as ArgumentsHost;
  new AllExceptionsFilter().catch(exception, host);
  return captured;
}

/** What the pg driver throws, wrapped the way TypeORM wraps it. */
function queryFailed(sqlState: string, message = 'relation "secret_table" violates something', constraint?: string): QueryFailedError {
  const driverError = Object.assign(new Error(message), { code: sqlState, constraint });
  return new QueryFailedError('UPDATE secret_table SET x = $1', ['hidden-param'], driverError);
}

describe('AllExceptionsFilter', () => {
  let logged: jest.SpyInstance;
  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logged.mockRestore());

  describe('DomainError', () => {
    it('renders its status, code, message and details', () => {
      const out = run(new DomainError('checkout_conflict', 'Issue is checked out by another run', { issueId: 'i', runId: 'r' }));
      expect(out).toEqual({ status: 409, body: { error: 'Issue is checked out by another run', code: 'checkout_conflict', details: { issueId: 'i', runId: 'r' } } });
    });

    it('omits details when there are none', () => {
      expect(run(new DomainError('not_found', 'Agent not found'))).toEqual({ status: 404, body: { error: 'Agent not found', code: 'not_found' } });
    });

    it.each([
      ['validation_failed', 400], ['unauthenticated', 401], ['invalid_credentials', 401], ['board_required', 403],
      ['company_access_denied', 403], ['role_required', 403], ['duplicate', 409], ['run_id_mismatch', 422], ['invalid_reference', 422],
    ] as const)('%s → %i', (code, status) => {
      expect(run(new DomainError(code, 'x')).status).toBe(status);
    });
  });

  describe('HttpException', () => {
    it.each([
      [new BadRequestException('Validation failed (uuid is expected)'), 400, 'validation_failed', 'Validation failed (uuid is expected)'],
      [new UnauthorizedException(), 401, 'unauthenticated', 'Unauthorized'],
      [new NotFoundException('Cannot GET /api/nothing'), 404, 'not_found', 'Cannot GET /api/nothing'],
      [new PayloadTooLargeException(), 413, 'payload_too_large', 'Payload Too Large'],
      [new InternalServerErrorException(), 500, 'internal', 'Internal Server Error'],
    ])('%p → %i %s', (exception, status, code, error) => {
      expect(run(exception)).toEqual({ status, body: { error, code } });
    });

    it('joins a list of messages', () => {
      const out = run(new BadRequestException(['name must be a string', 'email must be an email']));
      expect(out).toEqual({ status: 400, body: { error: 'name must be a string; email must be an email', code: 'validation_failed' } });
    });

    it('renders a plain string response', () => {
      expect(run(new HttpException('Nope', 400))).toEqual({ status: 400, body: { error: 'Nope', code: 'validation_failed' } });
    });
  });

  describe('body-parser errors', () => {
    it('malformed JSON → 400 validation_failed', () => {
      const error = Object.assign(new SyntaxError('Unexpected end of JSON input'), { type: 'entity.parse.failed', status: 400 });
      expect(run(error)).toEqual({
        status: 400,
        body: { error: 'Request body is not valid JSON', code: 'validation_failed', details: { problems: [{ field: 'body', problems: ['must be valid JSON'] }] } },
      });
    });

    it('too large → 413 payload_too_large', () => {
      const error = Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413 });
      expect(run(error)).toEqual({ status: 413, body: { error: 'Request body is too large', code: 'payload_too_large' } });
    });
  });

  describe('database errors (SQLSTATE)', () => {
    it.each([
      ['23505', 409, 'duplicate'],
      ['55P03', 409, 'issue_busy'],
      ['40P01', 409, 'issue_busy'],
      ['40001', 409, 'issue_busy'],
      ['23503', 422, 'invalid_reference'],
      ['22P02', 400, 'validation_failed'],
      ['22001', 400, 'validation_failed'],
      ['23514', 400, 'validation_failed'],
      ['23502', 400, 'validation_failed'],
    ])('QueryFailedError %s → %i %s, hiding the SQL', (sqlState, status, code) => {
      const out = run(queryFailed(sqlState));
      expect({ status: out.status, code: out.body.code }).toEqual({ status, code });
      expect(Object.keys(out.body).sort()).toEqual(['code', 'error']);
      expect(JSON.stringify(out.body)).not.toMatch(/secret_table|hidden-param|UPDATE/);
    });

    it.each(['issues_locks_only_in_progress', 'issues_execution_lock_whole'])(
      'a lock invariant (%s) refusing a write is a bug: 500 internal, logged with the constraint, not a 400',
      (constraint) => {
        const out = run(queryFailed('23514', `new row for relation "issues" violates check constraint "${constraint}"`, constraint), { requestId: 'req-9' });
        expect(out).toEqual({ status: 500, body: { error: 'Internal error', code: 'internal', details: { requestId: 'req-9' } } });
        expect(String(logged.mock.calls[0][0])).toContain(constraint);
      },
    );

    it('any other check constraint stays 400 validation_failed', () => {
      expect(run(queryFailed('23514', 'violates check constraint "issues_single_assignee"', 'issues_single_assignee'))).toMatchObject({
        status: 400,
        body: { code: 'validation_failed' },
      });
    });

    it('maps a bare driver error carrying a SQLSTATE too', () => {
      expect(run(Object.assign(new Error('duplicate key'), { code: '23505' }))).toMatchObject({ status: 409, body: { code: 'duplicate' } });
    });

    it('an unmapped SQLSTATE is an internal error, message hidden', () => {
      const out = run(queryFailed('42P01', 'relation "secret_table" does not exist'), { requestId: 'req-42' });
      expect(out).toEqual({ status: 500, body: { error: 'Internal error', code: 'internal', details: { requestId: 'req-42' } } });
    });

    it('a refused connection → 503 database_unavailable', () => {
      const out = run(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
      expect(out).toEqual({ status: 503, body: { error: 'The database is unavailable', code: 'database_unavailable' } });
    });
  });

  describe('anything else', () => {
    it('→ 500 internal with the request id; the message is hidden from the client and logged with the id', () => {
      const out = run(new Error('secret internals: password=hunter2'), { requestId: 'trace-7' });
      expect(out).toEqual({ status: 500, body: { error: 'Internal error', code: 'internal', details: { requestId: 'trace-7' } } });
      expect(logged).toHaveBeenCalledTimes(1);
      expect(String(logged.mock.calls[0][0])).toContain('trace-7');
      expect(String(logged.mock.calls[0][0])).toContain('password=hunter2');
    });

    it('generates a request id when the caller sent none', () => {
      const out = run(new TypeError('x is undefined'));
      expect(out.body.details.requestId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('handles thrown non-errors', () => {
      expect(run('a string')).toMatchObject({ status: 500, body: { code: 'internal' } });
      expect(run(undefined)).toMatchObject({ status: 500, body: { code: 'internal' } });
    });

    it('writes nothing once the headers are sent', () => {
      expect(run(new Error('late'), { headersSent: true })).toEqual({});
    });
  });
});
