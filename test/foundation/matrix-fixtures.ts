import { randomBytes } from 'node:crypto';
import type { Cast } from '../helpers/callers';
import { bearer, createAgent, createAgentKey, createBoardKey, createBoardUser, seedIssue, seedIssueLockedBy, seedRun } from '../helpers/factories';
import type { TestApp } from '../helpers/test-app';

const uniq = () => randomBytes(4).toString('hex');

/** What one matrix call needs beside its caller: path values, a body, a query string. */
export interface Target {
  params: Record<string, string>;
  body?: Record<string, unknown>;
  query?: string;
}

/**
 * Targets for the authorization matrix, by name. Each is made fresh for every call when a
 * successful call would consume it (a key revoked, a run finished, an issue released), so every
 * caller meets the same state. All are about company A of the cast.
 */
export function matrixFixtures(t: TestApp, cast: Cast) {
  const { companyA, agentA } = cast;
  const admin = bearer(t.adminKey);
  let shared: { issueId: string; commentId: string; runId: string } | undefined;
  const sharedRows = async () => {
    if (!shared) {
      const issue = await t.http().post(`/api/companies/${companyA.id}/issues`).set(admin).send({ title: 'Matrix read' }).expect(201);
      const comment = await t.http().post(`/api/issues/${issue.body.id}/comments`).set(admin).send({ body: 'c' }).expect(201);
      shared = { issueId: issue.body.id, commentId: comment.body.id, runId: await seedRun(t, agentA, 'succeeded') };
    }
    return shared;
  };
  /** A todo issue of company A assigned to the company's agent (any caller with write access may change it). */
  const todoIssue = async () => (await seedIssue(t, companyA, { status: 'todo', assigneeAgentId: agentA.id })).id;

  const fixtures = {
    none: async (): Promise<Target> => ({ params: {} }),
    company: async (): Promise<Target> => ({ params: { companyId: companyA.id } }),
    newUser: async (): Promise<Target> => ({ params: {}, body: { email: `m${uniq()}@example.com`, name: 'Matrix user' } }),
    newCompany: async (): Promise<Target> => ({ params: {}, body: { name: `Matrix ${uniq()}` } }),
    userKey: async (): Promise<Target> => ({ params: { userId: (await createBoardUser(t)).userId }, body: { name: 'k' } }),
    boardKey: async (): Promise<Target> => ({ params: { keyId: (await createBoardKey(t, (await createBoardUser(t)).userId)).id } }),
    member: async (): Promise<Target> => ({ params: { companyId: companyA.id, userId: (await createBoardUser(t)).userId }, body: { role: 'viewer' } }),
    newAgent: async (): Promise<Target> => ({ params: { companyId: companyA.id }, body: { name: `Matrix-${uniq()}` } }),
    agent: async (): Promise<Target> => ({ params: { agentId: agentA.id } }),
    agentPatch: async (): Promise<Target> => ({ params: { agentId: (await createAgent(t, companyA.id)).id }, body: { title: `t ${uniq()}` } }),
    agentNewKey: async (): Promise<Target> => ({ params: { agentId: (await createAgent(t, companyA.id)).id }, body: { name: 'k' } }),
    agentKey: async (): Promise<Target> => {
      const agent = await createAgent(t, companyA.id);
      return { params: { agentId: agent.id, keyId: (await createAgentKey(t, agent.id)).id } };
    },
    newIssue: async (): Promise<Target> => ({ params: { companyId: companyA.id }, body: { title: `Matrix ${uniq()}` } }),
    issue: async (): Promise<Target> => ({ params: { id: (await sharedRows()).issueId } }),
    comment: async (): Promise<Target> => ({ params: { id: (await sharedRows()).issueId, commentId: (await sharedRows()).commentId } }),
    run: async (): Promise<Target> => ({ params: { runId: (await sharedRows()).runId } }),
    issuePatch: async (): Promise<Target> => ({ params: { id: await todoIssue() }, body: { title: `t ${uniq()}` } }),
    issueComment: async (): Promise<Target> => ({ params: { id: await todoIssue() }, body: { body: `c ${uniq()}` } }),
    issueCheckout: async (): Promise<Target> => ({ params: { id: await todoIssue() }, body: { agentId: agentA.id, expectedStatuses: ['todo'] } }),
    /** In progress, held by the cast's live run (the run the live-run caller sends). */
    issueHeld: async (): Promise<Target> => ({ params: { id: (await seedIssueLockedBy(t, companyA, agentA, cast.runs.live)).id } }),
    /** In progress, held by a run of its own that force-release may cancel. */
    issueHeldByOwnRun: async (): Promise<Target> => ({ params: { id: (await seedIssueLockedBy(t, companyA, agentA, await seedRun(t, agentA, 'running'))).id } }),
    invoke: async (): Promise<Target> => ({ params: { agentId: agentA.id }, body: {} }),
    queuedRun: async (): Promise<Target> => ({ params: { runId: await seedRun(t, agentA, 'queued') } }),
    runningRun: async (): Promise<Target> => ({ params: { runId: await seedRun(t, agentA, 'running') } }),
    finishRun: async (): Promise<Target> => ({ params: { runId: await seedRun(t, agentA, 'running') }, body: { status: 'succeeded' } }),
  };
  return fixtures;
}

export type FixtureName = keyof ReturnType<typeof matrixFixtures>;
