import { randomUUID } from 'node:crypto';
import { AgentFixture, bearer, BoardUserFixture, CompanyFixture, createAgent, createBoardUser, createCompany, seedRun } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';
import { activityFor, invokeRun, liveRun, runRow, seedIssue } from './run-helpers';

function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

describe('heartbeat run lifecycle', () => {
  let t: TestApp;
  let company: CompanyFixture;
  let agent: AgentFixture;
  let peer: AgentFixture;
  let operator: BoardUserFixture;
  let viewer: BoardUserFixture;
  let outsider: { company: CompanyFixture; agent: AgentFixture; operator: BoardUserFixture };

  beforeAll(async () => {
    t = await startTestApp();
    company = await createCompany(t);
    agent = await createAgent(t, company.id, { adapterType: 'claude_local' });
    peer = await createAgent(t, company.id);
    operator = await createBoardUser(t, company.id, 'operator');
    viewer = await createBoardUser(t, company.id, 'viewer');
    const other = await createCompany(t);
    outsider = { company: other, agent: await createAgent(t, other.id), operator: await createBoardUser(t, other.id, 'operator') };
  });
  afterAll(() => t.close());

  describe('POST /api/agents/:agentId/heartbeat/invoke', () => {
    it('lets the agent wake itself: 202, a queued run, audited heartbeat.invoked', async () => {
      const res = await t.http().post(`/api/agents/${agent.id}/heartbeat/invoke`).set(bearer(agent.key)).send({}).expect(202);
      expect(res.body).toMatchObject({
        id: expect.any(String),
        companyId: company.id,
        agentId: agent.id,
        status: 'queued',
        invocationSource: 'on_demand',
        triggerDetail: null,
        issueId: null,
        startedAt: null,
        finishedAt: null,
        lastHeartbeatAt: null,
        leaseExpiresAt: null,
        error: null,
        errorCode: null,
      });
      const [audit] = await activityFor(t, res.body.id, 'heartbeat.invoked');
      expect(audit).toMatchObject({ actor_type: 'agent', actor_id: agent.id, agent_id: agent.id, run_id: res.body.id, entity_type: 'heartbeat_run' });
    });

    it('keeps invocationSource, triggerDetail, issueId and reason', async () => {
      const issue = await seedIssue(t, { companyId: company.id, status: 'todo' });
      const body = { invocationSource: 'assignment', triggerDetail: 'assigned PAP-1', issueId: issue.id, reason: 'new work' };
      const res = await t.http().post(`/api/agents/${agent.id}/heartbeat/invoke`).set(bearer(agent.key)).send(body).expect(202);
      expect(res.body).toMatchObject({ invocationSource: 'assignment', triggerDetail: 'assigned PAP-1', issueId: issue.id });
      expect((await runRow(t, res.body.id)).context_snapshot).toEqual({ reason: 'new work' });
      const [audit] = await activityFor(t, res.body.id, 'heartbeat.invoked');
      expect(audit.details).toMatchObject({ reason: 'new work', issueId: issue.id, invocationSource: 'assignment' });
    });

    it('lets a board operator invoke an agent (audited as the user)', async () => {
      const run = await invokeRun(t, agent, operator.key);
      expect(run.status).toBe('queued');
      const [audit] = await activityFor(t, run.id, 'heartbeat.invoked');
      expect(audit).toMatchObject({ actor_type: 'user', actor_id: operator.userId, agent_id: agent.id });
    });

    it('refuses a viewer (403 read_only_membership)', async () => {
      const res = await t.http().post(`/api/agents/${agent.id}/heartbeat/invoke`).set(bearer(viewer.key)).send({}).expect(403);
      expect(res.body.code).toBe('read_only_membership');
    });

    it('refuses an agent invoking another agent (403)', async () => {
      const count = async () => (await t.db.query('SELECT count(*)::int AS n FROM heartbeat_runs WHERE agent_id = $1', [agent.id])).rows[0].n;
      const before = await count();
      const res = await t.http().post(`/api/agents/${agent.id}/heartbeat/invoke`).set(bearer(peer.key)).send({}).expect(403);
      expect(res.body).toMatchObject({ code: 'board_required', details: { agentId: agent.id, callerAgentId: peer.id } });
      expect(await count()).toBe(before);
    });

    it('refuses another company (403 company_access_denied)', async () => {
      for (const key of [outsider.agent.key, outsider.operator.key]) {
        const res = await t.http().post(`/api/agents/${agent.id}/heartbeat/invoke`).set(bearer(key)).send({}).expect(403);
        expect(res.body.code).toBe('company_access_denied');
      }
    });

    it.each(['paused', 'pending_approval', 'terminated'])('refuses a %s agent with 409 agent_not_invocable', async (status) => {
      const sleeper = await createAgent(t, company.id);
      await t.db.query('UPDATE agents SET status = $2 WHERE id = $1', [sleeper.id, status]);
      const res = await t.http().post(`/api/agents/${sleeper.id}/heartbeat/invoke`).set(bearer(operator.key)).send({}).expect(409);
      expect(res.body).toMatchObject({ code: 'agent_not_invocable', details: { agentId: sleeper.id, status } });
      if (status !== 'terminated') {
        // A paused agent still authenticates, but cannot wake itself either.
        const self = await t.http().post(`/api/agents/${sleeper.id}/heartbeat/invoke`).set(bearer(sleeper.key)).send({}).expect(409);
        expect(self.body.code).toBe('agent_not_invocable');
      }
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM heartbeat_runs WHERE agent_id = $1', [sleeper.id]);
      expect(rows[0].n).toBe(0);
    });

    it.each(['idle', 'running', 'error'])('wakes an agent whose status is %s', async (status) => {
      const worker = await createAgent(t, company.id);
      await t.db.query('UPDATE agents SET status = $2 WHERE id = $1', [worker.id, status]);
      await invokeRun(t, worker, operator.key);
    });

    it('validates the body', async () => {
      const url = `/api/agents/${agent.id}/heartbeat/invoke`;
      for (const body of [{ bogus: 1 }, { invocationSource: 'whenever' }, { issueId: 'nope' }, { triggerDetail: 42 }, { triggerDetail: 'a\u0000b' }, { reason: 'x\u0000' }]) {
        const res = await t.http().post(url).set(bearer(agent.key)).send(body).expect(400);
        expect(res.body.code).toBe('validation_failed');
      }
    });

    it('refuses an issueId of another company or of no issue (422 invalid_reference)', async () => {
      const foreign = await seedIssue(t, { companyId: outsider.company.id, status: 'todo' });
      for (const issueId of [foreign.id, randomUUID()]) {
        const res = await t.http().post(`/api/agents/${agent.id}/heartbeat/invoke`).set(bearer(agent.key)).send({ issueId }).expect(422);
        expect(res.body.code).toBe('invalid_reference');
      }
    });

    it('answers 404 for an unknown agent and 400 for a malformed id', async () => {
      expect((await t.http().post(`/api/agents/${randomUUID()}/heartbeat/invoke`).set(bearer(operator.key)).send({}).expect(404)).body.code).toBe('not_found');
      expect((await t.http().post('/api/agents/not-a-uuid/heartbeat/invoke').set(bearer(operator.key)).send({}).expect(400)).body.code).toBe('validation_failed');
    });
  });

  describe('POST /api/heartbeat-runs/:runId/start', () => {
    it('moves queued → running once and returns a run JWT that names the run', async () => {
      const run = await invokeRun(t, agent);
      const res = await t.http().post(`/api/heartbeat-runs/${run.id}/start`).set(bearer(agent.key)).expect(200);
      expect(res.body.run).toMatchObject({ id: run.id, status: 'running', startedAt: expect.any(String), lastHeartbeatAt: expect.any(String) });
      expect(res.body.leaseExpiresAt).toBe(res.body.run.leaseExpiresAt);
      expect(Date.parse(res.body.leaseExpiresAt) - Date.parse(res.body.run.lastHeartbeatAt)).toBe(t.config.runLeaseSeconds * 1000);
      expect(jwtClaims(res.body.token)).toMatchObject({ sub: agent.id, company_id: company.id, run_id: run.id, adapter_type: 'claude_local' });

      const me = await t.http().get('/api/me').set(bearer(res.body.token)).expect(200);
      expect(me.body).toMatchObject({ type: 'agent', agentId: agent.id, companyId: company.id, runId: run.id });

      const [audit] = await activityFor(t, run.id, 'heartbeat.started');
      expect(audit).toMatchObject({ actor_type: 'agent', actor_id: agent.id, run_id: run.id });
      const stored = await runRow(t, run.id);
      expect(stored.started_at).not.toBeNull();
      expect(stored.last_heartbeat_at).not.toBeNull();

      const again = await t.http().post(`/api/heartbeat-runs/${run.id}/start`).set(bearer(agent.key)).expect(409);
      expect(again.body).toMatchObject({ code: 'run_state_conflict', details: { runId: run.id, status: 'running' } });
      expect(await activityFor(t, run.id, 'heartbeat.started')).toHaveLength(1);
    });

    it('lets exactly one of several concurrent starts win', async () => {
      const run = await invokeRun(t, agent);
      const results = await Promise.all(
        Array.from({ length: 6 }, () => t.http().post(`/api/heartbeat-runs/${run.id}/start`).set(bearer(agent.key))),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
      expect(await activityFor(t, run.id, 'heartbeat.started')).toHaveLength(1);
    });

    it('lets a board operator start the run', async () => {
      const run = await invokeRun(t, agent);
      const res = await t.http().post(`/api/heartbeat-runs/${run.id}/start`).set(bearer(operator.key)).expect(200);
      expect(jwtClaims(res.body.token)).toMatchObject({ sub: agent.id, run_id: run.id });
    });

    it('refuses another agent (403 run_not_owned) and a viewer (403)', async () => {
      const run = await invokeRun(t, agent);
      expect((await t.http().post(`/api/heartbeat-runs/${run.id}/start`).set(bearer(peer.key)).expect(403)).body.code).toBe('run_not_owned');
      expect((await t.http().post(`/api/heartbeat-runs/${run.id}/start`).set(bearer(viewer.key)).expect(403)).body.code).toBe('read_only_membership');
      expect((await runRow(t, run.id)).status).toBe('queued');
    });

    it('refuses to start an ended run (409 run_state_conflict)', async () => {
      for (const status of ['succeeded', 'failed', 'cancelled', 'timed_out'] as const) {
        const runId = await seedRun(t, agent, status);
        const res = await t.http().post(`/api/heartbeat-runs/${runId}/start`).set(bearer(agent.key)).expect(409);
        expect(res.body).toMatchObject({ code: 'run_state_conflict', details: { status } });
      }
    });
  });

  describe('POST /api/heartbeat-runs/:runId/heartbeat', () => {
    it('renews the lease from the database clock', async () => {
      const { runId, token } = await liveRun(t, agent);
      await t.db.query(`UPDATE heartbeat_runs SET last_heartbeat_at = now() - interval '60 seconds' WHERE id = $1`, [runId]);
      const before = (await runRow(t, runId)).last_heartbeat_at as Date;

      const res = await t.http().post(`/api/heartbeat-runs/${runId}/heartbeat`).set(bearer(token)).expect(200);
      const after = (await runRow(t, runId)).last_heartbeat_at as Date;
      expect(after.getTime()).toBeGreaterThan(before.getTime() + 59_000);
      expect(res.body.run).toMatchObject({ id: runId, status: 'running', lastHeartbeatAt: after.toISOString() });
      expect(res.body.leaseExpiresAt).toBe(new Date(after.getTime() + t.config.runLeaseSeconds * 1000).toISOString());
      expect((await t.http().get('/api/agents/me').set(bearer(agent.key)).expect(200)).body.lastHeartbeatAt).toEqual(expect.any(String));
    });

    it('accepts the agent key as well as the run JWT', async () => {
      const { runId } = await liveRun(t, agent);
      await t.http().post(`/api/heartbeat-runs/${runId}/heartbeat`).set(bearer(agent.key)).expect(200);
    });

    it('refuses a queued run and an ended run (409 run_not_live)', async () => {
      const queued = await invokeRun(t, agent);
      const res = await t.http().post(`/api/heartbeat-runs/${queued.id}/heartbeat`).set(bearer(agent.key)).expect(409);
      expect(res.body).toMatchObject({ code: 'run_not_live', details: { runStatus: 'queued' } });
      for (const status of ['succeeded', 'failed', 'cancelled', 'timed_out'] as const) {
        const runId = await seedRun(t, agent, status);
        const ended = await t.http().post(`/api/heartbeat-runs/${runId}/heartbeat`).set(bearer(agent.key)).expect(409);
        expect(ended.body).toMatchObject({ code: 'run_not_live', details: { runStatus: status } });
      }
    });

    it('refuses another agent (403 run_not_owned) and board users (403 agent_required)', async () => {
      const { runId } = await liveRun(t, agent);
      expect((await t.http().post(`/api/heartbeat-runs/${runId}/heartbeat`).set(bearer(peer.key)).expect(403)).body.code).toBe('run_not_owned');
      expect((await t.http().post(`/api/heartbeat-runs/${runId}/heartbeat`).set(bearer(operator.key)).expect(403)).body.code).toBe('agent_required');
    });
  });

  describe('POST /api/heartbeat-runs/:runId/finish', () => {
    it.each([
      ['succeeded', 'heartbeat.finished'],
      ['failed', 'heartbeat.finished'],
      ['timed_out', 'heartbeat.finished'],
      ['cancelled', 'heartbeat.cancelled'],
    ])('ends a running run as %s (audit %s)', async (status, action) => {
      const { runId, token } = await liveRun(t, agent);
      const body = status === 'succeeded' ? { status } : { status, error: `it went ${status}`, errorCode: `${status}_code` };
      const res = await t.http().post(`/api/heartbeat-runs/${runId}/finish`).set(bearer(token)).send(body).expect(200);
      expect(res.body).toMatchObject({
        id: runId,
        status,
        finishedAt: expect.any(String),
        leaseExpiresAt: null,
        error: status === 'succeeded' ? null : `it went ${status}`,
        errorCode: status === 'succeeded' ? null : `${status}_code`,
      });
      const audits = (await activityFor(t, runId)).filter((a) => a.action !== 'heartbeat.invoked' && a.action !== 'heartbeat.started');
      expect(audits).toEqual([expect.objectContaining({ action, actor_type: 'agent', actor_id: agent.id, run_id: runId })]);
      expect(audits[0].details).toMatchObject({ status, previousStatus: 'running' });

      const again = await t.http().post(`/api/heartbeat-runs/${runId}/finish`).set(bearer(token)).send({ status: 'succeeded' }).expect(409);
      expect(again.body).toMatchObject({ code: 'run_state_conflict', details: { runId, status } });
    });

    it('lets a queued run end as cancelled or failed, never as succeeded or timed_out', async () => {
      for (const status of ['succeeded', 'timed_out']) {
        const run = await invokeRun(t, agent);
        const res = await t.http().post(`/api/heartbeat-runs/${run.id}/finish`).set(bearer(agent.key)).send({ status }).expect(409);
        expect(res.body).toMatchObject({ code: 'run_state_conflict', details: { status: 'queued', allowed: ['cancelled', 'failed'] } });
        expect((await runRow(t, run.id)).status).toBe('queued');
      }
      for (const status of ['cancelled', 'failed']) {
        const run = await invokeRun(t, agent);
        const res = await t.http().post(`/api/heartbeat-runs/${run.id}/finish`).set(bearer(agent.key)).send({ status }).expect(200);
        expect(res.body).toMatchObject({ status, startedAt: null, finishedAt: expect.any(String) });
      }
    });

    it('lets a board operator finish, refuses a viewer and another agent', async () => {
      const { runId } = await liveRun(t, agent);
      expect((await t.http().post(`/api/heartbeat-runs/${runId}/finish`).set(bearer(viewer.key)).send({ status: 'failed' }).expect(403)).body.code).toBe('read_only_membership');
      expect((await t.http().post(`/api/heartbeat-runs/${runId}/finish`).set(bearer(peer.key)).send({ status: 'failed' }).expect(403)).body.code).toBe('run_not_owned');
      expect((await runRow(t, runId)).status).toBe('running');
      await t.http().post(`/api/heartbeat-runs/${runId}/finish`).set(bearer(operator.key)).send({ status: 'failed' }).expect(200);
      const [audit] = await activityFor(t, runId, 'heartbeat.finished');
      expect(audit).toMatchObject({ actor_type: 'user', actor_id: operator.userId, agent_id: agent.id, run_id: runId });
    });

    it('validates the body', async () => {
      const { runId } = await liveRun(t, agent);
      for (const body of [{}, { status: 'running' }, { status: 'queued' }, { status: 'failed', bogus: true }, { status: 'failed', error: 7 }, { status: 'failed', error: 'nul\u0000' }, { status: 'failed', errorCode: '\u0000' }]) {
        const res = await t.http().post(`/api/heartbeat-runs/${runId}/finish`).set(bearer(agent.key)).send(body).expect(400);
        expect(res.body.code).toBe('validation_failed');
      }
      expect((await runRow(t, runId)).status).toBe('running');
    });
  });

  describe('POST /api/heartbeat-runs/:runId/cancel', () => {
    it('lets a board operator cancel a running or a queued run (audit heartbeat.cancelled)', async () => {
      const { runId } = await liveRun(t, agent);
      const queued = await invokeRun(t, agent);
      for (const id of [runId, queued.id]) {
        const res = await t.http().post(`/api/heartbeat-runs/${id}/cancel`).set(bearer(operator.key)).expect(200);
        expect(res.body).toMatchObject({ id, status: 'cancelled', finishedAt: expect.any(String) });
        const audits = await activityFor(t, id, 'heartbeat.cancelled');
        expect(audits).toEqual([expect.objectContaining({ actor_type: 'user', actor_id: operator.userId, agent_id: agent.id })]);
      }
      const again = await t.http().post(`/api/heartbeat-runs/${runId}/cancel`).set(bearer(operator.key)).expect(409);
      expect(again.body).toMatchObject({ code: 'run_state_conflict', details: { status: 'cancelled' } });
    });

    it('refuses agents (403 board_required), even the run’s own, and viewers', async () => {
      const { runId, token } = await liveRun(t, agent);
      expect((await t.http().post(`/api/heartbeat-runs/${runId}/cancel`).set(bearer(token)).expect(403)).body.code).toBe('board_required');
      expect((await t.http().post(`/api/heartbeat-runs/${runId}/cancel`).set(bearer(agent.key)).expect(403)).body.code).toBe('board_required');
      expect((await t.http().post(`/api/heartbeat-runs/${runId}/cancel`).set(bearer(viewer.key)).expect(403)).body.code).toBe('read_only_membership');
      expect((await runRow(t, runId)).status).toBe('running');
    });
  });

  describe('ids and companies', () => {
    const routes = (runId: string) => [
      { method: 'get' as const, url: `/api/heartbeat-runs/${runId}` },
      { method: 'post' as const, url: `/api/heartbeat-runs/${runId}/start` },
      { method: 'post' as const, url: `/api/heartbeat-runs/${runId}/finish`, body: { status: 'failed' } },
      { method: 'post' as const, url: `/api/heartbeat-runs/${runId}/cancel` },
    ];

    it('answers 404 for an unknown run id and 400 for a malformed one', async () => {
      for (const r of routes(randomUUID())) {
        const res = await t.http()[r.method](r.url).set(bearer(operator.key)).send(r.body ?? {});
        expect([r.url, res.status, res.body.code]).toEqual([r.url, 404, 'not_found']);
      }
      const hb = await t.http().post(`/api/heartbeat-runs/${randomUUID()}/heartbeat`).set(bearer(agent.key)).expect(404);
      expect(hb.body.code).toBe('not_found');
      for (const r of routes('not-a-uuid')) {
        const res = await t.http()[r.method](r.url).set(bearer(operator.key)).send(r.body ?? {});
        expect([r.url, res.status, res.body.code]).toEqual([r.url, 400, 'validation_failed']);
      }
    });

    it("refuses another company's run (403 company_access_denied)", async () => {
      const { runId } = await liveRun(t, agent);
      for (const key of [outsider.agent.key, outsider.operator.key]) {
        // Cancel is board-only: an agent is turned away (board_required) before its company is looked at.
        for (const r of routes(runId).filter((r) => key !== outsider.agent.key || !r.url.endsWith('/cancel'))) {
          const res = await t.http()[r.method](r.url).set(bearer(key)).send(r.body ?? {});
          expect([r.url, res.status, res.body.code]).toEqual([r.url, 403, 'company_access_denied']);
        }
      }
      const hb = await t.http().post(`/api/heartbeat-runs/${runId}/heartbeat`).set(bearer(outsider.agent.key)).expect(403);
      expect(hb.body.code).toBe('company_access_denied');
      expect((await runRow(t, runId)).status).toBe('running');
    });

    it('refuses a request without credentials (401)', async () => {
      const { runId } = await liveRun(t, agent);
      expect((await t.http().get(`/api/heartbeat-runs/${runId}`).expect(401)).body.code).toBe('unauthenticated');
    });
  });

  describe('reads', () => {
    it('GET /api/heartbeat-runs/:runId: members and company agents', async () => {
      const { runId } = await liveRun(t, agent);
      for (const key of [viewer.key, peer.key, agent.key]) {
        const res = await t.http().get(`/api/heartbeat-runs/${runId}`).set(bearer(key)).expect(200);
        expect(res.body).toMatchObject({ id: runId, agentId: agent.id, status: 'running', leaseExpiresAt: expect.any(String) });
      }
    });

    it('GET /api/companies/:companyId/heartbeat-runs: newest first, filters, limit', async () => {
      const listCompany = await createCompany(t);
      const a = await createAgent(t, listCompany.id);
      const b = await createAgent(t, listCompany.id);
      const member = await createBoardUser(t, listCompany.id, 'viewer');
      const ids: string[] = [];
      for (const who of [a, b, a, b, a]) ids.push((await invokeRun(t, who)).id);
      await t.http().post(`/api/heartbeat-runs/${ids[4]}/start`).set(bearer(a.key)).expect(200);
      const url = `/api/companies/${listCompany.id}/heartbeat-runs`;

      const all = await t.http().get(url).set(bearer(member.key)).expect(200);
      expect(all.body.map((r: { id: string }) => r.id)).toEqual([...ids].reverse());
      const byAgent = await t.http().get(url).query({ agentId: b.id }).set(bearer(a.key)).expect(200);
      expect(byAgent.body.map((r: { id: string }) => r.id)).toEqual([ids[3], ids[1]]);
      const running = await t.http().get(url).query({ status: 'running' }).set(bearer(member.key)).expect(200);
      expect(running.body.map((r: { id: string }) => r.id)).toEqual([ids[4]]);
      const either = await t.http().get(url).query({ status: 'running,queued', agentId: a.id }).set(bearer(member.key)).expect(200);
      expect(either.body.map((r: { id: string }) => r.id)).toEqual([ids[4], ids[2], ids[0]]);
      const limited = await t.http().get(url).query({ limit: 2 }).set(bearer(member.key)).expect(200);
      expect(limited.body.map((r: { id: string }) => r.id)).toEqual([ids[4], ids[3]]);

      for (const query of [{ limit: 0 }, { limit: 501 }, { limit: 'many' }, { status: 'sleeping' }, { agentId: 'x' }, { bogus: 1 }]) {
        const res = await t.http().get(url).query(query).set(bearer(member.key));
        expect([query, res.status, res.body.code]).toEqual([query, 400, 'validation_failed']);
      }
      expect((await t.http().get(url).query({ limit: 500 }).set(bearer(member.key)).expect(200)).body).toHaveLength(5);
      expect((await t.http().get(url).set(bearer(outsider.agent.key)).expect(403)).body.code).toBe('company_access_denied');
      expect((await t.http().get(url).set(bearer(viewer.key)).expect(403)).body.code).toBe('company_access_denied');
    });

    it('defaults the company run list to 50 rows', async () => {
      const busyCompany = await createCompany(t);
      const worker = await createAgent(t, busyCompany.id);
      await t.db.query(
        `INSERT INTO heartbeat_runs (company_id, agent_id, status) SELECT $1, $2, 'queued' FROM generate_series(1, 60)`,
        [busyCompany.id, worker.id],
      );
      const res = await t.http().get(`/api/companies/${busyCompany.id}/heartbeat-runs`).set(bearer(worker.key)).expect(200);
      expect(res.body).toHaveLength(50);
    });
  });
});
