import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '../common/domain-error';
import { LookupRunner } from '../database/lookup-runner';
import type { RowLookup } from '../database/row-lookup';
import { ACCESS_RULE, AccessRule, PUBLIC_ROUTE } from './access.decorator';
import type { RequestScope } from './actor';
import { CompanyAccessService } from './company-access.service';
import { CredentialsService } from './credentials.service';
import type { AuthenticatedRequest } from './current-actor.decorator';
import { ScopeResolverService, UUID_PATTERN } from './scope-resolver.service';

export const RUN_ID_HEADER = 'x-paperclip-run-id';

function bearerToken(request: AuthenticatedRequest): string {
  const header = request.header('authorization');
  if (!header) throw new DomainError('unauthenticated', 'Authentication required: send Authorization: Bearer <token>');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new DomainError('invalid_credentials', 'The Authorization header must be "Bearer <token>"');
  return match[1];
}

/**
 * The global guard: every route is closed unless it is @Public() or names who may call it with
 * @Access(). It decides who the caller is and whether they may touch the company the path names;
 * ownership of issues is row state and is decided later, under the row lock.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly credentials: CredentialsService,
    private readonly scopes: ScopeResolverService,
    private readonly companyAccess: CompanyAccessService,
    private readonly lookups: LookupRunner,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, targets) ?? { board: 'instanceAdmin' };
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();

    // Who the caller is and which company the path names are read in one round trip; their
    // refusals are still given in order (401, then the caller's kind, then 400/404, then 403).
    const credential = await this.credentials.lookup(bearerToken(request));
    let scopeLookup: RowLookup<RequestScope> | null = null;
    let malformedPath: unknown;
    try {
      scopeLookup = this.scopes.lookup(request.params as Record<string, string>);
    } catch (error) {
      malformedPath = error;
    }
    const [credentialRow, scopeRow] = await this.lookups.rows(scopeLookup ? [credential, scopeLookup] : [credential]);

    const actor = await credential.interpret(credentialRow);
    if (actor.type === 'agent') actor.runId = this.runIdOf(request, actor.runId);
    request.actor = actor;
    if (actor.type === 'agent' && !rule.agent) throw new DomainError('board_required', 'Only board users may do this');
    if (actor.type === 'board' && !rule.board) throw new DomainError('agent_required', 'Only agents may do this');

    if (malformedPath) throw malformedPath;
    const scope = scopeLookup ? await scopeLookup.interpret(scopeRow) : null;
    request.scope = scope ?? { companyId: null, issueId: null };
    if (scope?.companyId) {
      await this.companyAccess.assertCompany(actor, scope.companyId, rule.board === 'instanceAdmin' || !rule.board ? 'any' : rule.board);
    }
    if (actor.type === 'board' && rule.board === 'instanceAdmin' && !actor.isInstanceAdmin) {
      throw new DomainError('role_required', 'Only an instance admin may do this', { required: 'instanceAdmin' });
    }
    return true;
  }

  /** ownership.md §8: the header and the JWT claim, when both are given, must name the same run. */
  private runIdOf(request: AuthenticatedRequest, claimed: string | null): string | null {
    const header = request.header(RUN_ID_HEADER)?.trim();
    if (!header) return claimed;
    if (!UUID_PATTERN.test(header)) {
      throw new DomainError('validation_failed', 'X-Paperclip-Run-Id must be a UUID', {
        problems: [{ field: 'X-Paperclip-Run-Id', problems: ['must be a UUID'] }],
      });
    }
    if (claimed && claimed.toLowerCase() !== header.toLowerCase()) {
      throw new DomainError('run_id_mismatch', 'X-Paperclip-Run-Id does not match the run of the token', { headerRunId: header, tokenRunId: claimed });
    }
    return header.toLowerCase();
  }
}
