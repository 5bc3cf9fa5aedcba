import { createAgent, createCompany, seedIssueLockedBy, type AgentFixture, type CompanyFixture } from '../helpers/factories';
import { holdRowLock } from '../helpers/row-locks';
import { startTestApp, TestApp } from '../helpers/test-app';
import { SweeperService } from '../../src/runs/sweeper.service';
import { asAgent, checkout, createIssue } from '../issues/issue-helpers';
import { backdateRun, liveRun } from '../runs/run-helpers';
import { samples, valueOf } from './prometheus-text';

const TOKEN = 'scrape-me-please';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** GET /metrics (docs/operations.md): what an operator's alerts read moves when the events they watch happen. */
describe('GET /metrics', () => {
  let t: TestApp;
  let company: CompanyFixture;
  let first: AgentFixture;
  let second: AgentFixture;

  beforeAll(async () => {
    // A short lock wait, so the issue_busy case answers quickly.
    t = await startTestApp({ metricsToken: TOKEN, lockTimeoutMs: 500 });
    company = await createCompany(t);
    first = await createAgent(t, company.id);
    second = await createAgent(t, company.id);
  });
  afterAll(() => t?.close());

  const scrape = async (): Promise<string> => {
    const res = await t.http().get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text;
  };

  it('is served outside /api, wants METRICS_TOKEN when set, and answers errors as {error, code}', async () => {
    const missing = await t.http().get('/metrics').expect(401);
    expect(missing.body).toEqual({ error: expect.any(String), code: 'unauthenticated' });
    const wrong = await t.http().get('/metrics').set('Authorization', 'Bearer nope').expect(401);
    expect(wrong.body.code).toBe('invalid_credentials');
    await t.http().get('/api/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(404);
    const text = await scrape();
    // Default process metrics and the pool gauges are there from the first scrape.
    expect(valueOf(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(valueOf(text, 'clasp_db_pool_max')).toBe(20);
    expect(samples(text).some((s) => s.name === 'clasp_db_pool_waiting')).toBe(true);
  });

  it('a checkout conflict moves the checkout outcome and the route-template histogram', async () => {
    const issue = await createIssue(t, company.id);
    const mine = await liveRun(t, first);
    const theirs = await liveRun(t, second);
    await checkout(t, issue.id, first, mine.runId);
    const before = await scrape();

    const refused = await t.http().post(`/api/issues/${issue.id}/checkout`).set(asAgent(second, theirs.runId)).send({ agentId: second.id, expectedStatuses: ['todo'] });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('checkout_conflict');
    // The idempotent repeat of the holder is an outcome of its own.
    await t.http().post(`/api/issues/${issue.id}/checkout`).set(asAgent(first, mine.runId)).send({ agentId: first.id, expectedStatuses: ['in_progress'] }).expect(200);

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(moved('clasp_checkouts_total', { outcome: 'checkout_conflict' })).toBe(1);
    expect(moved('clasp_checkouts_total', { outcome: 'idempotent' })).toBe(1);
    expect(moved('clasp_checkouts_total', { outcome: 'checked_out' })).toBe(0);
    const conflicts = { route: '/api/issues/:id/checkout', method: 'POST', status: '409' };
    expect(moved('clasp_http_request_duration_seconds_count', conflicts)).toBe(1);
    expect(valueOf(after, 'clasp_http_request_duration_seconds_bucket', { ...conflicts, le: '+Inf' })).toBe(valueOf(after, 'clasp_http_request_duration_seconds_count', conflicts));
  });

  it('a write by another agent counts as a gate refusal by its code', async () => {
    const issue = await createIssue(t, company.id);
    const mine = await liveRun(t, first);
    const theirs = await liveRun(t, second);
    await checkout(t, issue.id, first, mine.runId);
    const before = await scrape();
    const res = await t.http().patch(`/api/issues/${issue.id}`).set(asAgent(second, theirs.runId)).send({ title: 'mine now' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    const after = await scrape();
    expect(valueOf(after, 'clasp_ownership_gate_refusals_total', { code: res.body.code }) - valueOf(before, 'clasp_ownership_gate_refusals_total', { code: res.body.code })).toBe(1);
  });

  it('a lease expiry moves the timed-out, finished and stale-lock counters, and the sweeper gauges', async () => {
    const { runId } = await liveRun(t, first);
    await seedIssueLockedBy(t, company, first, runId);
    await backdateRun(t, runId, t.config.runLeaseSeconds + 5);
    const before = await scrape();

    const swept = await t.app.get(SweeperService).sweepOnce();
    expect(swept.timedOut).toBe(1);

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(moved('clasp_runs_timed_out_total')).toBe(1);
    expect(moved('clasp_runs_finished_total', { status: 'timed_out' })).toBe(1);
    expect(moved('clasp_stale_locks_cleared_total', { source: 'run_timed_out' })).toBe(1);
    expect(moved('clasp_sweeper_duration_seconds_count', { result: 'ok' })).toBe(1);
    expect(valueOf(after, 'clasp_sweeper_last_success_timestamp_seconds')).toBeGreaterThanOrEqual(Date.now() / 1000 - 10);
    expect(valueOf(after, 'clasp_runs_started_total')).toBeGreaterThanOrEqual(1);
  });

  it('a lock wait that times out counts as issue_busy, by route and as a checkout outcome', async () => {
    const issue = await createIssue(t, company.id);
    const { runId } = await liveRun(t, first);
    const before = await scrape();
    const holder = await holdRowLock(t, 'issues', issue.id);
    try {
      const res = await t.http().post(`/api/issues/${issue.id}/checkout`).set(asAgent(first, runId)).send({ agentId: first.id, expectedStatuses: ['todo'] });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 409, code: 'issue_busy' });
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(moved('clasp_issue_busy_total', { route: '/api/issues/:id/checkout' })).toBe(1);
    expect(moved('clasp_checkouts_total', { outcome: 'issue_busy' })).toBe(1);
  });

  it('no label carries an id: series stay bounded however many issues and agents there are', async () => {
    const text = await scrape();
    const offenders = samples(text).filter((s) => Object.values(s.labels).some((v) => UUID.test(v) || /PAP-|clasp_/i.test(v)));
    expect(offenders).toEqual([]);
    const routes = new Set(samples(text).flatMap((s) => (s.labels.route ? [s.labels.route] : [])));
    expect([...routes].every((r) => r === 'unmatched' || r.startsWith('/'))).toBe(true);
    expect(routes.has('/api/issues/:id/checkout')).toBe(true);
  });
});
