import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorBody } from '../common/error-body';
import type { MembershipRole } from '../companies/company-membership.entity';

/**
 * Who may call a route. `board`: the least board standing needed — `any` signed-in board user,
 * `instanceAdmin`, or a membership role (in the company the path names). `agent`: whether agents
 * of that company may call it. Company scope comes from the path (companyId, agentId, runId, id).
 */
export interface AccessRule {
  board?: 'any' | 'instanceAdmin' | MembershipRole;
  agent?: boolean;
}

export const ACCESS_RULE = 'clasp:access';
export const PUBLIC_ROUTE = 'clasp:public';

export const BOARD_SCHEME = 'board';
export const AGENT_SCHEME = 'agent';

function describe(rule: AccessRule): string {
  const who: string[] = [];
  if (rule.board) who.push(rule.board === 'any' ? 'any board user' : rule.board === 'instanceAdmin' ? 'instance admin' : `board ${rule.board} or above`);
  if (rule.agent) who.push("the company's agents");
  return `Allowed: ${who.join('; ')}.`;
}

/** Enforces (through the global guard) and documents (Swagger security) who may call a route. */
export function Access(rule: AccessRule) {
  const decorators = [
    SetMetadata(ACCESS_RULE, rule),
    ApiUnauthorizedResponse({ type: ErrorBody, description: 'unauthenticated / invalid_credentials' }),
    ApiForbiddenResponse({ type: ErrorBody, description: describe(rule) }),
  ];
  if (rule.board) decorators.push(ApiBearerAuth(BOARD_SCHEME));
  if (rule.agent) decorators.push(ApiBearerAuth(AGENT_SCHEME));
  return applyDecorators(...decorators);
}

export const BoardRole = (role: MembershipRole | 'any' | 'instanceAdmin', options: { agent?: boolean } = {}) =>
  Access({ board: role, agent: options.agent ?? false });

export const AgentOnly = () => Access({ agent: true });

export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
