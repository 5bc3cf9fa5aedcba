import { AgentFixture, bearer, createAgent, createCompany, seedIssueLockedBy, seedRun } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { asAgent, AuditRow, auditRows, createIssue, issueRow } from './issue-helpers';

/**
 * Real concurrent HTTP requests against one issue. Assertions count outcomes and check the final
 * rows and the audit trail; none depends on timing.
 */
describe('races on one issue', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function agentsWithRuns(companyId: string, n: number): Promise<{ agent: AgentFixture; runId: string }[]> {
    const out: { agent: AgentFixture; runId: string }[] = [];
    for (let i = 0; i < n; i++) {
      const agent = await createAgent(t, companyId, { name: `Racer-${i}-${Math.random().toString(36).slice(2, 8)}` });
      out.push({ agent, runId: await seedRun(t, agent, 'running') });
    }
    return out;
  }

  /** The lock invariant: no lock at all, or one coherent lock of a live run of the assignee. */
  async function expectCoherentLocks(issueId: string) {
    const { rows } = await t.db.query(
      `SELECT i.status, i.assignee_agent_id, i.checkout_run_id, i.execution_run_id, i.execution_agent_name_key, i.execution_locked_at,
              r.agent_id AS run_agent_id, lower(a.name) AS run_agent_name
         FROM issues i LEFT JOIN heartbeat_runs r ON r.id = i.checkout_run_id LEFT JOIN agents a ON a.id = r.agent_id
        WHERE i.id = $1`,
      [issueId],
    );
    const row = rows[0];
    const noLocks = row.checkout_run_id === null && row.execution_run_id === null && row.execution_agent_name_key === null && row.execution_locked_at === null;
    if (noLocks) return row;
    expect(row.checkout_run_id).not.toBeNull();
    expect(row.execution_run_id).toBe(row.checkout_run_id);
    expect(row.execution_locked_at).not.toBeNull();
    expect(row.execution_agent_name_key).toBe(row.run_agent_name);
    expect(row.status).toBe('in_progress');
    expect(row.assignee_agent_id).toBe(row.run_agent_id);
    return row;
  }

  /**
   * Replays the audit trail: a take (checked_out, checkout_lock_adopted, PATCH into in_progress
   * by an agent) may only happen while no run holds the issue; releases, force-releases and
   * PATCHes that leave in_progress or change the assignee drop the holder.
   */
  function expectAlternation(rows: AuditRow[]) {
    let holder: string | null = null;
    const trail: string[] = [];
    for (const row of rows) {
      const d = row.details as Record<string, unknown>;
      const take = row.action === 'issue.checked_out' || row.action === 'issue.checkout_lock_adopted' ||
        (row.action === 'issue.updated' && d.status === 'in_progress' && row.actor_type === 'agent');
      trail.push(`${row.action}:${row.run_id ?? row.actor_type}`);
      if (take) {
        if (holder !== null) throw new Error(`${row.action} by run ${row.run_id} while run ${holder} held the issue; trail: ${trail.join(' ')}`);
        holder = row.run_id ?? 'board';
      } else if (row.action === 'issue.released' || row.action === 'issue.admin_force_release' || row.action === 'issue.stale_lock_cleared') {
        holder = null;
      } else if (row.action === 'issue.updated' && ((d.status !== undefined && d.status !== 'in_progress') || 'assigneeAgentId' in d)) {
        holder = null;
      }
    }
    return trail;
  }

  it('24 agents check out one todo issue at once: exactly one 200, 23 × 409 checkout_conflict, one audit row naming the winner run', async () => {
    const company = await createCompany(t);
    const racers = await agentsWithRuns(company.id, 24);
    const issue = await createIssue(t, company.id, { status: 'todo' });

    const results = await Promise.all(
      racers.map(({ agent, runId }) =>
        t.http().post(`/api/issues/${issue.id}/checkout`).set(asAgent(agent, runId)).send({ agentId: agent.id, expectedStatuses: ['todo'] }),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    const losers = results.filter((r) => r.status !== 200);
    expect(winners).toHaveLength(1);
    expect(losers.map((r) => `${r.status} ${r.body.code}`)).toEqual(Array(23).fill('409 checkout_conflict'));

    const winner = racers[results.indexOf(winners[0])];
    expect(winners[0].body).toMatchObject({ assigneeAgentId: winner.agent.id, checkoutRunId: winner.runId, executionRunId: winner.runId });
    const row = await issueRow(t, issue.id);
    expect(row).toMatchObject({ status: 'in_progress', assignee_agent_id: winner.agent.id, checkout_run_id: winner.runId, execution_run_id: winner.runId });

    const audit = await auditRows(t, issue.id, 'issue.checked_out');
    expect(audit).toHaveLength(1);
    expect(audit[0].run_id).toBe(winner.runId);
    expect(audit[0].details.agentId).toBe(winner.agent.id);
  });

  it('8 live runs of the same agent check out at once: one run wins, the others get 409 checkout_conflict', async () => {
    const company = await createCompany(t);
    const agent = await createAgent(t, company.id);
    const runs: string[] = [];
    for (let i = 0; i < 8; i++) runs.push(await seedRun(t, agent, 'running'));
    const issue = await createIssue(t, company.id, { status: 'todo' });
    const results = await Promise.all(
      runs.map((runId) => t.http().post(`/api/issues/${issue.id}/checkout`).set(asAgent(agent, runId)).send({ agentId: agent.id, expectedStatuses: ['todo'] })),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.body.code}`)).toEqual(Array(7).fill('409 checkout_conflict'));
    const winnerRun = runs[results.indexOf(winners[0])];
    expect(await issueRow(t, issue.id)).toMatchObject({ checkout_run_id: winnerRun, execution_run_id: winnerRun });
    expect(await auditRows(t, issue.id, 'issue.checked_out')).toHaveLength(1);
  });

  it('4 live runs of the assignee write at once to an issue held by its failed run: one adopts, the others get 409 run_ownership_conflict; one clearing row', async () => {
    const company = await createCompany(t);
    const agent = await createAgent(t, company.id);
    const failed = await seedRun(t, agent, 'failed');
    const runs: string[] = [];
    for (let i = 0; i < 4; i++) runs.push(await seedRun(t, agent, 'running'));
    const issue = await seedIssueLockedBy(t, company, agent, failed);
    const results = await Promise.all(
      runs.map((runId, i) => t.http().patch(`/api/issues/${issue.id}`).set(asAgent(agent, runId)).send({ description: `run ${i}` })),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.body.code}`)).toEqual(Array(3).fill('409 run_ownership_conflict'));
    const winnerRun = runs[results.indexOf(winners[0])];
    const row = await issueRow(t, issue.id);
    expect(row).toMatchObject({ checkout_run_id: winnerRun, execution_run_id: winnerRun, description: `run ${results.indexOf(winners[0])}` });
    expect(await auditRows(t, issue.id, 'issue.stale_lock_cleared')).toHaveLength(1);
    const adopted = await auditRows(t, issue.id, 'issue.checkout_lock_adopted');
    expect(adopted).toHaveLength(1);
    expect(adopted[0].run_id).toBe(winnerRun);
  });

  it('storms of checkout / release / PATCH / force-release never leave a half-written lock, and takes alternate with releases', async () => {
    const company = await createCompany(t);
    const racers = await agentsWithRuns(company.id, 4);
    const issue = await createIssue(t, company.id, { status: 'todo' });
    const ALLOWED = new Set([
      '200 undefined',
      '409 checkout_conflict',
      '409 checked_out_by_other_agent',
      '409 not_issue_assignee',
      '403 not_issue_assignee',
      '409 run_ownership_conflict',
      '409 illegal_transition',
      '409 issue_busy',
      // A force-release revokes (cancels) the run holding the issue; that run's later writes are fenced.
      '409 run_not_live',
    ]);
    const outcomes = new Map<string, number>();

    for (let round = 0; round < 6; round++) {
      const requests = [
        ...racers.flatMap(({ agent, runId }, i) => [
          t.http().post(`/api/issues/${issue.id}/checkout`).set(asAgent(agent, runId)).send({ agentId: agent.id, expectedStatuses: ['todo', 'in_progress'] }),
          t.http().post(`/api/issues/${issue.id}/release`).set(asAgent(agent, runId)).send(),
          t.http().patch(`/api/issues/${issue.id}`).set(asAgent(agent, runId)).send({ priority: ['low', 'medium', 'high', 'critical'][(i + round) % 4] }),
          t.http().patch(`/api/issues/${issue.id}`).set(asAgent(agent, runId)).send({ status: 'in_progress', assigneeAgentId: agent.id }),
        ]),
        t.http().post(`/api/issues/${issue.id}/admin/force-release?clearAssignee=${round % 2 === 0}`).set(bearer(t.adminKey)).send(),
        t.http().patch(`/api/issues/${issue.id}`).set(bearer(t.adminKey)).send({ status: 'todo' }),
      ];
      // Rotate so a different kind of request goes first each round.
      const rotated = [...requests.slice(round * 3), ...requests.slice(0, round * 3)];
      const results = await Promise.all(rotated.map((r) => r.then((res) => res)));
      for (const res of results) {
        const key = `${res.status} ${res.body?.code}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        expect(res.status).toBeLessThan(500);
      }
      await expectCoherentLocks(issue.id);
    }

    expect([...outcomes.keys()].filter((key) => !ALLOWED.has(key))).toEqual([]);
    // The storm did real work: some takes and some releases happened.
    const audit = await auditRows(t, issue.id);
    const trail = expectAlternation(audit);
    expect(trail.some((e) => e.startsWith('issue.checked_out') || e.startsWith('issue.checkout_lock_adopted') || e.startsWith('issue.updated'))).toBe(true);
    expect(audit.filter((a) => a.action === 'issue.admin_force_release')).toHaveLength(6);
  });

  it('the alternation check itself catches a double take (guard against a vacuous race test)', () => {
    const row = (action: string, runId: string | null, details: Record<string, unknown> = {}) =>
      ({ action, run_id: runId, actor_type: runId ? 'agent' : 'user', details }) as AuditRow;
    expect(() => expectAlternation([row('issue.checked_out', 'r1'), row('issue.released', 'r1'), row('issue.checked_out', 'r2')])).not.toThrow();
    expect(() => expectAlternation([row('issue.checked_out', 'r1'), row('issue.checked_out', 'r2')])).toThrow(/while run r1 held/);
    expect(() => expectAlternation([row('issue.checked_out', 'r1'), row('issue.checkout_lock_adopted', 'r2')])).toThrow();
    expect(() => expectAlternation([row('issue.checked_out', 'r1'), row('issue.updated', null, { status: 'todo' }), row('issue.checked_out', 'r2')])).not.toThrow();
  });
});
