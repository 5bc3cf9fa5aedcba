import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService, auditActor } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { RunJwtService } from '../auth/run-jwt.service';
import { DomainError, notFound } from '../common/domain-error';
import { claimIdempotencyKey } from '../common/idempotency';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { query } from '../database/sql';
import { TransactionRunner } from '../database/transaction-runner';
import { INVOCABLE_AGENT_STATUSES, type AgentStatus } from '../agents/agent.entity';
import { assertRunAgent } from './run-access';
import { IssueLocksRepository } from '../locks/issue-locks.repository';
import { assertLiveCallerRun } from './run-fence';
import { RunEndService } from './run-end.service';
import { RunQueriesService } from './run-queries.service';
import { runIsLive } from '../locks/run-liveness';
import { runColumns, RunRow } from './run-rows';
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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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
        const first = await claimIdempotencyKey(em, actor, `agent.wakeup:${agentId}`, idempotencyKey, runId);
        if (first) return this.queries.get(first);
      }
      // FOR SHARE: a concurrent pause waits for this wake-up to commit instead of racing it.
      const [agent]: { id: string; company_id: string; status: AgentStatus }[] = await query(
        em,
        'SELECT id, company_id, status FROM agents WHERE id = $1 FOR SHARE',
        [agentId],
      );
      if (!agent) throw notFound('Agent', { agentId });
      // Fencing (ownership.md §8): an agent waking itself from inside a run needs that run live.
      if (actor.type === 'agent' && actor.runId) assertLiveCallerRun(actor, await this.locks.lockRuns(em, [actor.runId]));
      if (!INVOCABLE_AGENT_STATUSES.includes(agent.status)) {
        throw new DomainError('agent_not_invocable', `The agent is ${agent.status} and cannot be woken`, { agentId, status: agent.status });
      }
      if (dto.issueId) {
        const [issue] = await query(em, 'SELECT id FROM issues WHERE id = $1 AND company_id = $2', [dto.issueId, agent.company_id]);
        if (!issue) throw new DomainError('invalid_reference', 'issueId must name an issue of the agent’s company', { issueId: dto.issueId });
      }
      const invocationSource = dto.invocationSource ?? 'on_demand';
      const [run] = await query<RunRow>(
        em,
        `INSERT INTO heartbeat_runs (company_id, agent_id, invocation_source, trigger_detail, status, issue_id, context_snapshot, id)
         VALUES ($1, $2, $3, $4, 'queued', $5, $6, $8)
         RETURNING ${runColumns('$7')}`,
        [
          agent.company_id,
          agentId,
          invocationSource,
          dto.triggerDetail ?? null,
          dto.issueId ?? null,
          JSON.stringify(dto.reason !== undefined ? { reason: dto.reason } : {}),
          this.config.runLeaseSeconds,
          runId,
        ],
      );
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
      const [run] = await query<RunRow>(
        em,
        `UPDATE heartbeat_runs
            SET status = 'running', started_at = now(), last_heartbeat_at = now(), updated_at = now()
          WHERE id = $1 AND status = 'queued'
          RETURNING ${runColumns('$2')}`,
        [runId, this.config.runLeaseSeconds],
      );
      if (!run) {
        const [current]: { status: string }[] = await query(em, 'SELECT status FROM heartbeat_runs WHERE id = $1', [runId]);
        throw new DomainError('run_state_conflict', `Only a queued run can start; this one is ${current?.status ?? 'gone'}`, {
          runId,
          status: current?.status ?? null,
        });
      }
      const [agent] = await query<{ adapter_type: string }>(
        em,
        'UPDATE agents SET last_heartbeat_at = now() WHERE id = $1 RETURNING adapter_type',
        [run.agent_id],
      );
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
      return { run, adapterType: agent?.adapter_type ?? 'process' };
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
      const [run] = await query<RunRow>(
        em,
        `UPDATE heartbeat_runs SET last_heartbeat_at = now(), updated_at = now()
          WHERE id = $1 AND ${runIsLive('$2')}
          RETURNING ${runColumns('$2')}`,
        [runId, this.config.runLeaseSeconds],
      );
      if (run) await query(em, 'UPDATE agents SET last_heartbeat_at = now() WHERE id = $1', [run.agent_id]);
      return run ?? null;
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
