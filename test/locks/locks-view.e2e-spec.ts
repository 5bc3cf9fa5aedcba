import { bearer, createAgent, createBoardUser, createCompany, seedIssue, seedIssueLockedBy, seedRun } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { missingRunId } from '../issues/issue-helpers';
import { backdateRun } from '../runs/run-helpers';

/** GET /api/companies/:companyId/locks: what an operator reads before a force-release. */
describe('GET /api/companies/:companyId/locks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const locks = (companyId: string, query = '', key = t.adminKey) => t.http().get(`/api/companies/${companyId}/locks${query}`).set(bearer(key));

  it('lists every held lock with its holder runs, liveness by the database clock, lease end and age; ?stale=true only the dead ones', async () => {
    const company = await createCompany(t);
    const agent = await createAgent(t, company.id);
    const live = await seedRun(t, agent, 'running');
    const expired = await seedRun(t, agent, 'running');
    await backdateRun(t, expired, t.config.runLeaseSeconds + 60);
    const failed = await seedRun(t, agent, 'failed');
    const held = await seedIssueLockedBy(t, company, agent, live);
    const leaseRanOut = await seedIssueLockedBy(t, company, agent, expired);
    const ended = await seedIssue(t, company, { status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: failed, executionRunId: null });
    const vanished = await seedIssue(t, company, { status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: missingRunId(), executionRunId: null });
    await seedIssue(t, company, { status: 'todo' }); // no lock: not listed

    const all = await locks(company.id).expect(200);
    expect(all.body.map((l: { issueId: string }) => l.issueId).sort()).toEqual([held.id, leaseRanOut.id, ended.id, vanished.id].sort());
    const byId = new Map(all.body.map((l: { issueId: string }) => [l.issueId, l]));

    const heldLock = byId.get(held.id) as Record<string, any>;
    expect(heldLock).toMatchObject({
      identifier: held.identifier,
      status: 'in_progress',
      assigneeAgentId: agent.id,
      stale: false,
      checkoutRun: { id: live, status: 'running', live: true },
      executionRun: { id: live, status: 'running', live: true },
      executionAgentNameKey: agent.name.toLowerCase(),
    });
    const leaseEnds = Date.parse(heldLock.checkoutRun.leaseEndsAt) - Date.parse(heldLock.databaseNow);
    expect(leaseEnds).toBeGreaterThan((t.config.runLeaseSeconds - 30) * 1000);
    expect(leaseEnds).toBeLessThanOrEqual(t.config.runLeaseSeconds * 1000);
    expect(heldLock.lockAgeSeconds).toBeGreaterThanOrEqual(0);

    expect(byId.get(leaseRanOut.id)).toMatchObject({ stale: true, checkoutRun: { id: expired, status: 'running', live: false } });
    expect(Date.parse((byId.get(leaseRanOut.id) as any).checkoutRun.leaseEndsAt)).toBeLessThan(Date.parse(heldLock.databaseNow));
    expect(byId.get(ended.id)).toMatchObject({ stale: true, checkoutRun: { id: failed, status: 'failed', live: false, leaseEndsAt: null }, executionRun: null });
    expect(byId.get(vanished.id)).toMatchObject({ stale: true, checkoutRun: { status: null, live: false } });

    const stale = await locks(company.id, '?stale=true').expect(200);
    expect(stale.body.map((l: { issueId: string }) => l.issueId).sort()).toEqual([leaseRanOut.id, ended.id, vanished.id].sort());
    expect((await locks(company.id, '?stale=false').expect(200)).body).toHaveLength(4);
  });

  it('shows nothing of another company, refuses non-members and agents, and rejects a malformed stale', async () => {
    const company = await createCompany(t);
    const other = await createCompany(t);
    const agent = await createAgent(t, other.id);
    await seedIssueLockedBy(t, other, agent, await seedRun(t, agent, 'running'));
    expect((await locks(company.id).expect(200)).body).toEqual([]);

    const viewer = await createBoardUser(t, company.id, 'viewer');
    expect((await locks(company.id, '', viewer.key)).status).toBe(200);
    expect((await locks(other.id, '', viewer.key)).status).toBe(403);
    expect((await t.http().get(`/api/companies/${other.id}/locks`).set(bearer(agent.key))).status).toBe(403);
    expect((await locks(company.id, '?stale=yes')).status).toBe(400);
  });
});
