import { applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiOperation, ApiParam } from '@nestjs/swagger';
import type { ErrorCode } from '../common/error-codes';

export const ROUTE_ERRORS_EXTENSION = 'x-clasp-errors';
export const ROUTE_EXAMPLE_EXTENSION = 'x-clasp-example';
export const SHARED_ERRORS_EXTENSION = 'x-clasp-shared-errors';

/** A code at its ERROR_STATUS status, or at the status a route answers it with instead (release: 409 not_issue_assignee). */
export type DocumentedError = ErrorCode | { code: ErrorCode; status: number };

export interface RouteDocs {
  /** One line, shown next to the path in the Swagger UI. */
  summary: string;
  /** What the route does and anything a caller must know beyond who may call it (that part is written from @Access). */
  description: string;
  /** The codes the handler itself answers; the guard's codes (401, 403, 404 of the path) are added from @Access. */
  errors?: DocumentedError[];
  /** The JSON request body the Swagger UI pre-fills: it must work as it is. */
  example?: Record<string, unknown>;
}

/**
 * Documents a route for the Swagger UI. Its access rule (@Access / @Public) and these codes are
 * turned into the "Who may call" and "Errors" parts and the error responses by src/docs/route-docs.ts.
 */
export function ApiRoute(docs: RouteDocs) {
  const decorators = [ApiOperation({ summary: docs.summary, description: docs.description })];
  if (docs.errors?.length) decorators.push(ApiExtension(ROUTE_ERRORS_EXTENSION, docs.errors));
  if (docs.example) decorators.push(ApiExtension(ROUTE_EXAMPLE_EXTENSION, docs.example));
  return applyDecorators(...decorators);
}

/** The codes a composite decorator (e.g. @OwnershipChecked) brings to every route it marks; merged with the route's own. */
export const ApiSharedErrors = (codes: DocumentedError[]) => ApiExtension(SHARED_ERRORS_EXTENSION, codes);

/** The `:id` of the issue routes: a uuid or the issue's identifier. */
export const ApiIssueIdParam = () => ApiParam({ name: 'id', type: String, description: 'Issue uuid or identifier (e.g. PAP-12, case-insensitive)' });
