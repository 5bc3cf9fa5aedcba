import { bearer, createAgent, createCompany, seedIssueLockedBy, seedRun } from '../helpers/factories';
import { databaseFingerprinter, unexplainedChanges } from '../helpers/db-fingerprint';
import { asAgent, auditRows, issueRow, lockColumns } from '../issues/issue-helpers';
import { startTestApp, TestApp } from '../helpers/test-app';

/** Each case a fuzz or authorization-matrix run found answering 5xx or the wrong status, kept as a regression. */
describe('fuzz findings', () => {
  let t: TestApp;
  const admin = () => bearer(t.adminKey);
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('a body nested thousands of levels deep is a 400, not a stack overflow (500)', async () => {
    const company = await createCompany(t);
    const agent = await createAgent(t, company.id);
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    for (const [path, raw] of [
      [`/api/agents/${agent.id}/heartbeat/invoke`, deep(3000)],
      [`/api/companies/${company.id}/issues`, `{"title":${deep(10000)}}`],
      [`/api/agents/${agent.id}/wakeup`, `{"payload":{"a":${deep(40)}}}`],
    ]) {
      const res = await t.http().post(path).set(admin()).set('content-type', 'application/json').send(raw);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 400, code: 'validation_failed' });
    }
    // Nesting a real body needs stays accepted.
    await t.http().post(`/api/agents/${agent.id}/wakeup`).set(admin()).send({ payload: { a: { b: { c: [[1]] } } } }).expect(202);
  });

  it('an invalid body on an issue with a stale lock is refused before the lock is cleared: nothing is written', async () => {
    const company = await createCompany(t);
    const agent = await createAgent(t, company.id);
    const dead = await seedRun(t, agent, 'failed');
    for (const [path, body] of [
      ['checkout', { agentId: agent.id, expectedStatuses: [] }],
      ['', { title: 42 }],
      ['comments', { body: null }],
    ] as const) {
      const issue = await seedIssueLockedBy(t, company, agent, dead);
      const before = await issueRow(t, issue.id);
      const url = `/api/issues/${issue.identifier}${path ? `/${path}` : ''}`;
      const res = await (path ? t.http().post(url) : t.http().patch(url)).set(admin()).send(body);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 400, code: 'validation_failed' });
      expect(lockColumns(await issueRow(t, issue.id))).toEqual(lockColumns(before));
      expect(await auditRows(t, issue.id)).toEqual([]);
    }
    // A valid request still clears the dead run's locks before it is decided (ownership.md §6).
    const issue = await seedIssueLockedBy(t, company, agent, dead);
    await t.http().post(`/api/issues/${issue.id}/release`).set(admin()).expect(200);
    expect((await auditRows(t, issue.id, 'issue.stale_lock_cleared')).length).toBe(1);
  });

  it("a refused write may leave only the dead run's cleared locks behind (ownership.md §6), and the fuzz tells that from any other write", async () => {
    const company = await createCompany(t);
    const agent = await createAgent(t, company.id);
    const dead = await seedRun(t, agent, 'failed');
    const issue = await seedIssueLockedBy(t, company, agent, dead);
    const bystander = await seedIssueLockedBy(t, company, agent, await seedRun(t, agent, 'running'));
    const fingerprint = await databaseFingerprinter(t.db);
    const before = await fingerprint();
    const res = await t.http().patch(`/api/issues/${issue.id}`).set(asAgent(agent, dead)).send({ title: 'late write' });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 409, code: 'run_not_live' });
    const after = await fingerprint();
    expect(Object.keys(await unexplainedChanges(t.db, before, before))).toEqual([]);
    expect(await unexplainedChanges(t.db, before, after)).toEqual({});
    expect((await issueRow(t, issue.id)).title).toBe('Seeded issue');
    // A write to any other issue beside it is reported.
    await t.db.query("UPDATE issues SET title = 'sneaked in' WHERE id = $1", [bystander.id]);
    expect(Object.keys(await unexplainedChanges(t.db, before, await fingerprint()))).toEqual(['activity_log', 'issues']);
  });
});
