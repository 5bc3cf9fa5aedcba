import { sleep } from '../helpers/server-process';
import { Outcome, RequestStats, send } from './chaos-http';
import type { Ledger } from './chaos-ledger';
import type { ChaosServers } from './chaos-servers';

export interface AgentIdentity {
  id: string;
  name: string;
  key: string;
}

/** What every agent shares: the servers, the issue pool, the counters and the ledger. */
export interface AgentWorld {
  servers: ChaosServers;
  stats: RequestStats;
  ledger: Ledger;
  companyId: string;
  pool: string[];
  requestTimeoutMs: number;
  heartbeatEveryMs: number;
  shouldStop(): boolean;
}

/** Per cycle: how often an agent ends its run holding an issue, goes silent (a crashed harness), ends it after a release, files an issue. */
const CHANCE = { finishHolding: 0.03, abandon: 0.02, finishAfter: 0.05, create: 0.02 };

const ok = (o: Outcome) => typeof o.status === 'number' && o.status >= 200 && o.status < 300;
const answered = (o: Outcome) => typeof o.status === 'number';
const code = (o: Outcome) => (typeof o.body?.code === 'string' ? (o.body.code as string) : undefined);

/**
 * An agent with a live run, looping checkout → PATCH → comment → release on the shared pool, as a
 * harness would: it heartbeats, starts a new run when its run is not live, and tidies up issues it
 * may still hold (after an answer that never came, the write may or may not have landed).
 */
export class ChaosAgent {
  private run: { id: string; token: string } | undefined;
  private lastBeat = 0;
  private step = 0;
  /** Issues this agent may hold: released (or adopted, then released) before it takes another. */
  private readonly mine = new Set<string>();

  constructor(
    private readonly me: AgentIdentity,
    private readonly world: AgentWorld,
  ) {}

  async loop(): Promise<void> {
    while (!this.world.shouldStop()) {
      if (!(await this.ensureRun())) {
        await sleep(200);
        continue;
      }
      await this.cycle();
    }
  }

  private async cycle(): Promise<void> {
    const held = this.mine.values().next();
    if (!held.done) await this.release(held.value);
    if (!this.run) return;
    if (Math.random() < CHANCE.create) await this.createIssue();

    const issueId = this.world.pool[Math.floor(Math.random() * this.world.pool.length)];
    const checkout = await this.call('POST', `/api/issues/${issueId}/checkout`, { agentId: this.me.id, expectedStatuses: ['todo'] });
    if (!ok(checkout)) {
      if (!answered(checkout)) this.mine.add(issueId);
      return;
    }
    const runId = this.runId();
    this.world.ledger.entries.checkouts.push({ issueId, runId });
    this.mine.add(issueId);

    const description = `${this.me.name} ${runId} step ${++this.step}`;
    if (!(await this.beat())) return;
    const patch = await this.call('PATCH', `/api/issues/${issueId}`, { description });
    if (ok(patch)) this.world.ledger.entries.patches.push({ issueId, runId, description });

    const body = `comment by ${description}`;
    if (!(await this.beat())) return;
    const comment = await this.call('POST', `/api/issues/${issueId}/comments`, { body });
    if (ok(comment)) this.world.ledger.entries.comments.push({ issueId, commentId: comment.body.id as string, body });

    if (Math.random() < CHANCE.finishHolding) return this.finishRun();
    if (Math.random() < CHANCE.abandon) {
      this.run = undefined; // silent from now on: its lease runs out and the sweeper must free what it holds
      return;
    }
    if (!(await this.beat())) return;
    await this.release(issueId);
    if (Math.random() < CHANCE.finishAfter) await this.finishRun();
  }

  private async release(issueId: string): Promise<void> {
    if (!this.run) return;
    const runId = this.runId();
    const res = await this.call('POST', `/api/issues/${issueId}/release`, undefined);
    if (ok(res)) {
      this.world.ledger.entries.releases.push({ issueId, runId });
      this.mine.delete(issueId);
    } else if (res.status === 404 || ['checked_out_by_other_agent', 'not_issue_assignee'].includes(code(res) ?? '')) {
      this.mine.delete(issueId); // someone else's now: nothing of ours to give back
    }
  }

  private async createIssue(): Promise<void> {
    const res = await this.call('POST', `/api/companies/${this.world.companyId}/issues`, { title: `Filed by ${this.me.name} during chaos`, status: 'todo' });
    if (!ok(res)) return;
    this.world.ledger.entries.created.push({ issueId: res.body.id as string });
    this.world.pool.push(res.body.id as string);
  }

  private async finishRun(): Promise<void> {
    const runId = this.runId();
    const res = await this.call('POST', `/api/heartbeat-runs/${runId}/finish`, { status: 'succeeded' });
    if (ok(res)) this.world.ledger.entries.finishedRuns.push({ runId });
    this.run = undefined; // an unanswered finish leaves it running: its lease runs out, the sweeper times it out
  }

  /** Renews the lease when due; false when the run is not live any more (the next cycle starts another). */
  private async beat(): Promise<boolean> {
    if (!this.run) return false;
    if (Date.now() - this.lastBeat < this.world.heartbeatEveryMs) return true;
    const res = await this.call('POST', `/api/heartbeat-runs/${this.runId()}/heartbeat`, undefined);
    if (ok(res)) this.lastBeat = Date.now();
    return Boolean(this.run);
  }

  private async ensureRun(): Promise<boolean> {
    if (this.run) return this.beat();
    const invoked = await this.call('POST', `/api/agents/${this.me.id}/heartbeat/invoke`, {}, 'key');
    if (!ok(invoked)) return false;
    const started = await this.call('POST', `/api/heartbeat-runs/${invoked.body.id as string}/start`, undefined, 'key');
    if (!ok(started)) return false; // queued or started without our hearing: it times out, as an abandoned one does
    this.run = { id: invoked.body.id as string, token: started.body.token as string };
    this.lastBeat = Date.now();
    return true;
  }

  private runId(): string {
    return this.run?.id ?? 'none';
  }

  private async call(method: string, path: string, body: unknown, auth: 'run' | 'key' = 'run'): Promise<Outcome> {
    const server = this.world.servers.pick();
    if (!server) {
      await sleep(100);
      return { status: 'network', body: undefined, sentAt: Date.now(), doneAt: Date.now() };
    }
    const run = this.run;
    const headers: Record<string, string> =
      auth === 'run' && run ? { Authorization: `Bearer ${run.token}`, 'X-Paperclip-Run-Id': run.id } : { Authorization: `Bearer ${this.me.key}` };
    const outcome = await send(this.world.servers.baseUrl(server), method, path, headers, body, this.world.requestTimeoutMs);
    this.world.stats.record(method, path, server.port, outcome);
    if (code(outcome) === 'run_not_live' && auth === 'run') this.run = undefined;
    if (!answered(outcome)) await sleep(50);
    return outcome;
  }
}
