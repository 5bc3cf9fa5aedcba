import {
  AgentFixture, bearer, CompanyFixture, createAgent, createAgentKey, createBoardKey, createBoardUser, createCompany, seedRun,
} from './factories';
import type { TestApp } from './test-app';

/**
 * Every kind of caller the API tells apart (api.md §2, ownership.md §8), about company A. Agents
 * with a run send their key plus `X-Paperclip-Run-Id`, as Paperclip's harness does.
 */
export const CALLER_KINDS = [
  'none', 'garbage', 'revokedBoardKey', 'revokedAgentKey',
  'otherAgent', 'otherBoard', 'suspended', 'viewer', 'operator', 'admin', 'owner', 'instanceAdmin',
  'agentKey', 'agentLiveRun', 'agentDeadRun', 'agentQueuedRun',
] as const;
export type CallerKind = (typeof CALLER_KINDS)[number];

/** Callers refused before any rule is looked at (401), on every route that is not public. */
export const REFUSED_KINDS = ['none', 'garbage', 'revokedBoardKey', 'revokedAgentKey'] as const satisfies readonly CallerKind[];

export interface Cast {
  companyA: CompanyFixture;
  companyB: CompanyFixture;
  agentA: AgentFixture;
  agentB: AgentFixture;
  runs: { live: string; dead: string; queued: string };
  userIds: Record<'viewer' | 'operator' | 'admin' | 'owner' | 'otherBoard' | 'suspended', string>;
  headers: Record<CallerKind, Record<string, string>>;
}

/** Builds two companies and one caller of every kind (see CALLER_KINDS). */
export async function createCast(t: TestApp): Promise<Cast> {
  const companyA = await createCompany(t);
  const companyB = await createCompany(t);
  const agentA = await createAgent(t, companyA.id);
  const agentB = await createAgent(t, companyB.id);
  const [viewer, operator, admin, owner, suspended] = [
    await createBoardUser(t, companyA.id, 'viewer'),
    await createBoardUser(t, companyA.id, 'operator'),
    await createBoardUser(t, companyA.id, 'admin'),
    await createBoardUser(t, companyA.id, 'owner'),
    await createBoardUser(t, companyA.id, 'admin', 'suspended'),
  ];
  const otherBoard = await createBoardUser(t, companyB.id, 'owner');
  const revokedBoard = await createBoardKey(t, operator.userId);
  await t.http().delete(`/api/board-keys/${revokedBoard.id}`).set(bearer(t.adminKey)).expect(200);
  const revokedAgent = await createAgentKey(t, agentA.id);
  await t.http().delete(`/api/agents/${agentA.id}/keys/${revokedAgent.id}`).set(bearer(t.adminKey)).expect(200);
  const runs = { live: await seedRun(t, agentA, 'running'), dead: await seedRun(t, agentA, 'failed'), queued: await seedRun(t, agentA, 'queued') };
  const withRun = (runId: string) => ({ ...bearer(agentA.key), 'X-Paperclip-Run-Id': runId });
  return {
    companyA,
    companyB,
    agentA,
    agentB,
    runs,
    userIds: { viewer: viewer.userId, operator: operator.userId, admin: admin.userId, owner: owner.userId, otherBoard: otherBoard.userId, suspended: suspended.userId },
    headers: {
      none: {},
      garbage: bearer('definitely-not-a-credential'),
      revokedBoardKey: bearer(revokedBoard.token),
      revokedAgentKey: bearer(revokedAgent.token),
      otherAgent: bearer(agentB.key),
      otherBoard: bearer(otherBoard.key),
      suspended: bearer(suspended.key),
      viewer: bearer(viewer.key),
      operator: bearer(operator.key),
      admin: bearer(admin.key),
      owner: bearer(owner.key),
      instanceAdmin: bearer(t.adminKey),
      agentKey: bearer(agentA.key),
      agentLiveRun: withRun(runs.live),
      agentDeadRun: withRun(runs.dead),
      agentQueuedRun: withRun(runs.queued),
    },
  };
}
