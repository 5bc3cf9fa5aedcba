import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Actor, RequestScope } from './actor';

export interface AuthenticatedRequest extends Request {
  actor?: Actor;
  scope?: RequestScope;
}

export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const actor = ctx.switchToHttp().getRequest<AuthenticatedRequest>().actor;
  if (!actor) throw new Error('CurrentActor used on a public route');
  return actor;
});

export const CurrentScope = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): RequestScope =>
    ctx.switchToHttp().getRequest<AuthenticatedRequest>().scope ?? { companyId: null, issueId: null },
);
