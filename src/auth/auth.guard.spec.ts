import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { DomainError } from '../common/domain-error';
import { ACCESS_RULE, AccessRule, PUBLIC_ROUTE } from './access.decorator';
import type { Actor, AgentActor, BoardActor } from './actor';
import { AuthGuard } from './auth.guard';
import type { CompanyAccessService } from './company-access.service';
import type { CredentialsService } from './credentials.service';
import type { ScopeResolverService } from './scope-resolver.service';
import type { LookupRunner } from '../database/lookup-runner';

const board = (overrides: Partial<BoardActor> = {}): BoardActor => ({ type: 'board', userId: 'u1', isInstanceAdmin: false, keyId: 'k1', ...overrides });
const agent = (overrides: Partial<AgentActor> = {}): AgentActor => ({
  type: 'agent', agentId: 'a1', companyId: 'c1', agentName: 'A', role: 'general', permissions: {}, credential: 'agent_key', keyId: 'k', runId: null, ...overrides,
});

interface Setup {
  metadata?: { [PUBLIC_ROUTE]?: boolean; [ACCESS_RULE]?: AccessRule };
  actor?: Actor;
  headers?: Record<string, string>;
  params?: Record<string, string>;
  scopeCompany?: string | null;
}

function setup({ metadata = {}, actor = board(), headers = { authorization: 'Bearer token' }, params = {}, scopeCompany = null }: Setup) {
  const reflector = { getAllAndOverride: jest.fn((key: string) => (metadata as Record<string, unknown>)[key]) } as unknown as Reflector;
  const credentials = { lookup: jest.fn(() => ({ sql: 'credential', params: [], interpret: async () => ({ ...actor }) })) };
  const scopes = {
    lookup: jest.fn(() => (scopeCompany ? { sql: 'scope', params: [], interpret: async () => ({ companyId: scopeCompany, issueId: null }) } : null)),
  };
  const companyAccess = { assertCompany: jest.fn(async () => undefined) };
  const lookups = { rows: jest.fn(async (all: unknown[]) => all.map(() => undefined)) };
  const guard = new AuthGuard(
    reflector,
    credentials as unknown as CredentialsService,
    scopes as unknown as ScopeResolverService,
    companyAccess as unknown as CompanyAccessService,
    lookups as unknown as LookupRunner,
  );
  const request: Record<string, unknown> = { params, header: (name: string) => headers[name.toLowerCase()] };
  const context = {
    getHandler: () => function handler() {},
    getClass: () => class Controller {},
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  return { guard, context, request, credentials, scopes, companyAccess, lookups };
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; status: number; details?: unknown }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const e = error as DomainError;
    return { code: e.code, status: e.status, details: e.details };
  }
  throw new Error('expected a refusal');
}

describe('AuthGuard', () => {
  it('lets @Public() routes through without looking at credentials', async () => {
    const s = setup({ metadata: { [PUBLIC_ROUTE]: true }, headers: {} });
    await expect(s.guard.canActivate(s.context)).resolves.toBe(true);
    expect(s.credentials.lookup).not.toHaveBeenCalled();
  });

  it('no Authorization header → 401 unauthenticated', async () => {
    const s = setup({ metadata: { [ACCESS_RULE]: { board: 'any' } }, headers: {} });
    expect(await refusal(s.guard.canActivate(s.context))).toMatchObject({ code: 'unauthenticated', status: 401 });
  });

  it.each(['Basic abc', 'Bearer', 'Bearer a b', 'token'])('Authorization %j → 401 invalid_credentials', async (header) => {
    const s = setup({ metadata: { [ACCESS_RULE]: { board: 'any' } }, headers: { authorization: header } });
    expect(await refusal(s.guard.canActivate(s.context))).toMatchObject({ code: 'invalid_credentials', status: 401 });
    expect(s.credentials.lookup).not.toHaveBeenCalled();
  });

  it('passes the bearer token to the credentials service (scheme case-insensitive) and sets request.actor', async () => {
    const s = setup({ metadata: { [ACCESS_RULE]: { board: 'any' } }, headers: { authorization: 'bearer   tok_123 ' } });
    await expect(s.guard.canActivate(s.context)).resolves.toBe(true);
    expect(s.credentials.lookup).toHaveBeenCalledWith('tok_123');
    expect(s.request.actor).toMatchObject({ type: 'board', userId: 'u1' });
    expect(s.request.scope).toEqual({ companyId: null, issueId: null });
  });

  it('denies by default: a route without @Access needs an instance admin', async () => {
    const member = setup({ metadata: {} });
    expect(await refusal(member.guard.canActivate(member.context))).toMatchObject({ code: 'role_required', status: 403 });
    const anAgent = setup({ metadata: {}, actor: agent() });
    expect(await refusal(anAgent.guard.canActivate(anAgent.context))).toMatchObject({ code: 'board_required' });
    const admin = setup({ metadata: {}, actor: board({ isInstanceAdmin: true }) });
    await expect(admin.guard.canActivate(admin.context)).resolves.toBe(true);
  });

  it('agents on board-only routes → 403 board_required; board users on agent-only routes → 403 agent_required', async () => {
    const a = setup({ metadata: { [ACCESS_RULE]: { board: 'viewer' } }, actor: agent() });
    expect(await refusal(a.guard.canActivate(a.context))).toMatchObject({ code: 'board_required', status: 403 });
    const b = setup({ metadata: { [ACCESS_RULE]: { agent: true } }, actor: board({ isInstanceAdmin: true }) });
    expect(await refusal(b.guard.canActivate(b.context))).toMatchObject({ code: 'agent_required', status: 403 });
  });

  it.each([
    [{ board: 'viewer', agent: true }, 'viewer'],
    [{ board: 'admin' }, 'admin'],
    [{ board: 'operator', agent: true }, 'operator'],
    [{ board: 'instanceAdmin' }, 'any'],
    [{ agent: true }, 'any'],
  ] as [AccessRule, string][])('checks the path\'s company with the rule %j (needs %s)', async (rule, needed) => {
    const actor = rule.board ? board({ isInstanceAdmin: rule.board === 'instanceAdmin' }) : agent();
    const s = setup({ metadata: { [ACCESS_RULE]: rule }, actor, params: { companyId: 'c9' }, scopeCompany: 'c9' });
    await expect(s.guard.canActivate(s.context)).resolves.toBe(true);
    expect(s.scopes.lookup).toHaveBeenCalledWith({ companyId: 'c9' });
    expect(s.lookups.rows).toHaveBeenCalledTimes(1);
    expect(s.companyAccess.assertCompany).toHaveBeenCalledWith(expect.objectContaining({ type: actor.type }), 'c9', needed);
    expect(s.request.scope).toEqual({ companyId: 'c9', issueId: null });
  });

  it('propagates the company check\'s refusal', async () => {
    const s = setup({ metadata: { [ACCESS_RULE]: { board: 'admin' } }, scopeCompany: 'c9' });
    s.companyAccess.assertCompany.mockRejectedValueOnce(new DomainError('read_only_membership', 'no'));
    expect(await refusal(s.guard.canActivate(s.context))).toMatchObject({ code: 'read_only_membership' });
  });

  it('skips the company check when the path names no company', async () => {
    const s = setup({ metadata: { [ACCESS_RULE]: { board: 'any' } } });
    await s.guard.canActivate(s.context);
    expect(s.companyAccess.assertCompany).not.toHaveBeenCalled();
  });

  describe('X-Paperclip-Run-Id', () => {
    const rule = { [ACCESS_RULE]: { agent: true } };
    it('becomes the run id of an agent key (lower-cased)', async () => {
      const runId = randomUUID();
      const s = setup({ metadata: rule, actor: agent(), headers: { authorization: 'Bearer t', 'x-paperclip-run-id': runId.toUpperCase() } });
      await s.guard.canActivate(s.context);
      expect((s.request.actor as AgentActor).runId).toBe(runId);
    });

    it('agreeing with the JWT claim is accepted; disagreeing → 422 run_id_mismatch', async () => {
      const runId = randomUUID();
      const ok = setup({ metadata: rule, actor: agent({ runId, credential: 'run_jwt' }), headers: { authorization: 'Bearer t', 'x-paperclip-run-id': runId } });
      await expect(ok.guard.canActivate(ok.context)).resolves.toBe(true);
      const other = randomUUID();
      const bad = setup({ metadata: rule, actor: agent({ runId, credential: 'run_jwt' }), headers: { authorization: 'Bearer t', 'x-paperclip-run-id': other } });
      expect(await refusal(bad.guard.canActivate(bad.context))).toEqual({ code: 'run_id_mismatch', status: 422, details: { headerRunId: other, tokenRunId: runId } });
    });

    it('not a uuid → 400 validation_failed', async () => {
      const s = setup({ metadata: rule, actor: agent(), headers: { authorization: 'Bearer t', 'x-paperclip-run-id': 'nope' } });
      expect(await refusal(s.guard.canActivate(s.context))).toMatchObject({ code: 'validation_failed', status: 400, details: { problems: expect.any(Array) } });
    });

    it('keeps the claim when there is no header', async () => {
      const runId = randomUUID();
      const s = setup({ metadata: rule, actor: agent({ runId, credential: 'run_jwt' }) });
      await s.guard.canActivate(s.context);
      expect((s.request.actor as AgentActor).runId).toBe(runId);
    });

    it('is ignored for board users', async () => {
      const s = setup({ metadata: { [ACCESS_RULE]: { board: 'any' } }, headers: { authorization: 'Bearer t', 'x-paperclip-run-id': 'nope' } });
      await expect(s.guard.canActivate(s.context)).resolves.toBe(true);
    });
  });
});
