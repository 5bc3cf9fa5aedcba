import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
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

/** The rule as the OpenAPI document carries it; src/docs/route-docs.ts writes "Who may call" and the guard's errors from it. */
export const ACCESS_EXTENSION = 'x-clasp-access';
export type DocumentedAccess = AccessRule | { public: true };

/** Enforces (through the global guard) and documents (Swagger security, who may call, errors) who may call a route. */
export function Access(rule: AccessRule) {
  const decorators = [SetMetadata(ACCESS_RULE, rule), ApiExtension(ACCESS_EXTENSION, rule)];
  if (rule.board) decorators.push(ApiBearerAuth(BOARD_SCHEME));
  if (rule.agent) decorators.push(ApiBearerAuth(AGENT_SCHEME));
  return applyDecorators(...decorators);
}

export const BoardRole = (role: MembershipRole | 'any' | 'instanceAdmin', options: { agent?: boolean } = {}) =>
  Access({ board: role, agent: options.agent ?? false });

export const AgentOnly = () => Access({ agent: true });

export const Public = () => applyDecorators(SetMetadata(PUBLIC_ROUTE, true), ApiExtension(ACCESS_EXTENSION, { public: true }));
