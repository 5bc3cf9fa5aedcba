import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService, auditActor } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { RunJwtService } from '../auth/run-jwt.service';
import { DomainError, notFound } from '../common/domain-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { afterCommit } from '../database/after-commit';
import { TransactionRunner } from '../database/transaction-runner';
import { ClaspMetrics } from '../metrics/clasp-metrics';
import { INVOCABLE_AGENT_STATUSES } from '../agents/agent.entity';
import { AgentsRepository } from '../agents/agents.repository';
import { IdempotencyKeysRepository } from '../common/idempotency-keys.repository';
import { assertRunAgent } from './run-access';
import { IssueLocksRepository } from '../locks/issue-locks.repository';
import { assertLiveCallerRun } from './run-fence';
import { RunEndService } from './run-end.service';
import { RunQueriesService } from './run-queries.service';
import type { RunRow } from './run-rows';
import { RunsRepository } from './runs.repository';
import type { InvokeRunDto } from './runs.dto';

export interface StartedRun {
  run: RunRow;
  token: string;
}

/** The living part of a run: invoke (queued), start (running, with its JWT), heartbeats (lease). */
@Injectable()
export class RunLifecycleService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly runJwt: RunJwtService,
    private readonly queries: RunQueriesService,
    private readonly runEnd: RunEndService,
    private readonly locks: IssueLocksRepository,
    private readonly runs: RunsRepository,
    private readonly agents: AgentsRepository,
    private readonly idempotencyKeys: IdempotencyKeysRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: ClaspMetrics,
  ) {}

  /** With `idempotencyKey` (wakeup), a retry returns the run the first request queued. */
  invoke(actor: Actor, agentId: string, dto: InvokeRunDto, idempotencyKey: string | null = null): Promise<RunRow> {
    if (actor.type === 'agent' && actor.agentId !== agentId) {
      throw new DomainError('board_required', 'An agent may invoke only itself; invoking another agent needs a board operator', {
        agentId,
        callerAgentId: actor.agentId,
      });
    }
    const runId = randomUUID();
    return this.tx.run(async (em) => {
      if (idempotencyKey) {
        const first = await this.idempotencyKeys.claim(em, actor, `agent.wakeup:${agentId}`, idempotencyKey, runId);
        if (first) return this.queries.get(first);
      }
      // FOR SHARE: a concurrent pause waits for this wake-up to commit instead of racing it.
      const agent = await this.agents.lockForWakeup(em, agentId);
      if (!agent) throw notFound('Agent', { agentId });
      // Fencing (ownership.md §8): an agent waking itself from inside a run needs that run live.
      if (actor.type === 'agent' && actor.runId) assertLiveCallerRun(actor, await this.locks.lockRuns(em, [actor.runId]));
      if (!INVOCABLE_AGENT_STATUSES.includes(agent.status)) {
        throw new DomainError('agent_not_invocable', `The agent is ${agent.status} and cannot be woken`, { agentId, status: agent.status });
      }
      if (dto.issueId) {
        if (!(await this.runs.issueInCompany(em, dto.issueId, agent.company_id))) throw new DomainError('invalid_reference', 'issueId must name an issue of the agent’s company', { issueId: dto.issueId });
      }
      const invocationSource = dto.invocationSource ?? 'on_demand';
      const run = await this.runs.insertQueued(em, {
        id: runId,
        companyId: agent.company_id,
        agentId,
        invocationSource,
        triggerDetail: dto.triggerDetail ?? null,
        issueId: dto.issueId ?? null,
        contextSnapshot: dto.reason !== undefined ? { reason: dto.reason } : {},
      });
      await this.audit.record(em, {
        companyId: agent.company_id,
        ...auditActor(actor),
        agentId,
        runId: run.id,
        action: 'heartbeat.invoked',
        entityType: 'heartbeat_run',
        entityId: run.id,
        details: {
          invocationSource,
          triggerDetail: dto.triggerDetail ?? null,
          issueId: dto.issueId ?? null,
          reason: dto.reason ?? null,
          callerRunId: actor.type === 'agent' ? actor.runId : null,
        },
      });
      return run;
    });
  }

  /** queued → running exactly once (compare-and-set), and a run JWT naming the run. */
  async start(actor: Actor, runId: string): Promise<StartedRun> {
    assertRunAgent(actor, await this.queries.get(runId));
    const started = await this.tx.run(async (em) => {
      const run = await this.runs.startIfQueued(em, runId);
      if (!run) {
        const status = await this.runs.statusOf(em, runId);
        throw new DomainError('run_state_conflict', `Only a queued run can start; this one is ${status ?? 'gone'}`, { runId, status });
      }
      const adapterType = await this.agents.touchHeartbeat(em, run.agent_id);
      await this.audit.record(em, {
        companyId: run.company_id,
        ...auditActor(actor),
        agentId: run.agent_id,
        runId,
        action: 'heartbeat.started',
        entityType: 'heartbeat_run',
        entityId: runId,
        details: { leaseSeconds: this.config.runLeaseSeconds, callerRunId: actor.type === 'agent' ? actor.runId : null },
      });
      afterCommit(em, () => this.metrics.runsStarted.inc());
      return { run, adapterType: adapterType ?? 'process' };
    });
    const { token } = await this.runJwt.sign({
      sub: started.run.agent_id,
      company_id: started.run.company_id,
      run_id: started.run.id,
      adapter_type: started.adapterType,
    });
    return { run: started.run, token };
  }

  /**
   * Renews the lease of a running run. A lease that already ran out (by the database clock) is not
   * revived: the run is timed out on the spot and the heartbeat refused, whether or not the
   * sweeper got there first.
   */
  async heartbeat(actor: Actor, runId: string): Promise<RunRow> {
    assertRunAgent(actor, await this.queries.get(runId));
    const renewed = await this.tx.run(async (em) => {
      const run = await this.runs.renewLeaseIfLive(em, runId);
      if (run) await this.agents.touchHeartbeat(em, run.agent_id);
      return run;
    });
    if (renewed) return renewed;

    let current = await this.queries.get(runId);
    if (current.status === 'running') {
      await this.runEnd.timeOutIfExpired(runId);
      current = await this.queries.get(runId);
    }
    throw new DomainError('run_not_live', `The run is ${current.status}; only a running run within its lease can heartbeat`, {
      runId,
      runStatus: current.status,
    });
  }
}
