import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { AuditService, auditActor } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { AGENT_KEY_PREFIX, generateKey, hashKey } from '../auth/key-hash';
import { DomainError, notFound } from '../common/domain-error';
import { TransactionRunner } from '../database/transaction-runner';
import { CreatedKeyResponse } from '../users/users.dto';
import { Agent } from './agent.entity';
import { AgentApiKey } from './agent-api-key.entity';
import { CreateAgentDto, UpdateAgentDto } from './agents.dto';
import { AgentsRepository, ManagerRow } from './agents.repository';

export const MAX_REPORTING_DEPTH = 50;

@Injectable()
export class AgentsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly agents: AgentsRepository,
  ) {}

  async create(actor: Actor, companyId: string, dto: CreateAgentDto): Promise<Agent> {
    return this.tx.run(async (em) => {
      if (dto.reportsTo) await this.assertManagerInCompany(em, companyId, dto.reportsTo);
      const agent = await em.save(
        em.create(Agent, {
          companyId,
          name: dto.name.trim(),
          role: dto.role ?? 'general',
          title: dto.title ?? null,
          status: 'active',
          reportsTo: dto.reportsTo ?? null,
          adapterType: dto.adapterType ?? 'process',
          adapterConfig: {},
          runtimeConfig: {},
          permissions: dto.permissions ?? {},
        }),
      );
      await this.audit.record(em, {
        companyId,
        ...auditActor(actor),
        action: 'agent.created',
        entityType: 'agent',
        entityId: agent.id,
        details: { name: agent.name, role: agent.role, reportsTo: agent.reportsTo },
      });
      return agent;
    });
  }

  list(companyId: string): Promise<Agent[]> {
    return this.dataSource.getRepository(Agent).find({ where: { companyId }, order: { createdAt: 'ASC' } });
  }

  async get(agentId: string): Promise<Agent> {
    const agent = await this.dataSource.getRepository(Agent).findOneBy({ id: agentId });
    if (!agent) throw notFound('Agent', { agentId });
    return agent;
  }

  /** The agent's managers, nearest first (Paperclip's chainOfCommand), at most MAX_REPORTING_DEPTH. */
  chainOfCommand(agentId: string): Promise<ManagerRow[]> {
    return this.agents.chainOfCommand(agentId, MAX_REPORTING_DEPTH);
  }

  async update(actor: Actor, agentId: string, dto: UpdateAgentDto): Promise<Agent> {
    return this.tx.run(async (em) => {
      const agent = await em.findOne(Agent, { where: { id: agentId }, lock: { mode: 'pessimistic_write' } });
      if (!agent) throw notFound('Agent', { agentId });
      if (dto.reportsTo) {
        await this.assertManagerInCompany(em, agent.companyId, dto.reportsTo);
        await this.assertNoReportingCycle(em, agent.id, dto.reportsTo);
      }
      const changes: Partial<Agent> = {};
      if (dto.name !== undefined) changes.name = dto.name.trim();
      if (dto.role !== undefined) changes.role = dto.role;
      if (dto.title !== undefined) changes.title = dto.title;
      if (dto.reportsTo !== undefined) changes.reportsTo = dto.reportsTo;
      if (dto.status !== undefined) changes.status = dto.status;
      if (dto.permissions !== undefined) changes.permissions = dto.permissions;
      const previous = Object.fromEntries(Object.keys(changes).map((k) => [k, agent[k as keyof Agent]]));
      Object.assign(agent, changes);
      const saved = await em.save(agent);
      await this.audit.record(em, {
        companyId: agent.companyId,
        ...auditActor(actor),
        action: 'agent.updated',
        entityType: 'agent',
        entityId: agent.id,
        details: { ...changes, _previous: previous },
      });
      return saved;
    });
  }

  async createKey(actor: Actor, agentId: string, name: string): Promise<CreatedKeyResponse> {
    return this.tx.run(async (em) => {
      const agent = await em.findOneBy(Agent, { id: agentId });
      if (!agent) throw notFound('Agent', { agentId });
      const token = generateKey(AGENT_KEY_PREFIX);
      const key = await em.save(em.create(AgentApiKey, { agentId, companyId: agent.companyId, name, keyHash: hashKey(token) }));
      await this.audit.record(em, {
        companyId: agent.companyId,
        ...auditActor(actor),
        action: 'agent.key_created',
        entityType: 'agent_api_key',
        entityId: key.id,
        details: { agentId, name },
      });
      return { id: key.id, name: key.name, token };
    });
  }

  async revokeKey(actor: Actor, agentId: string, keyId: string): Promise<void> {
    await this.tx.run(async (em) => {
      const key = await em.findOne(AgentApiKey, { where: { id: keyId, agentId }, lock: { mode: 'pessimistic_write' } });
      if (!key) throw notFound('Agent key', { agentId, keyId });
      const result = await em.update(AgentApiKey, { id: keyId, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
      if (!result.affected) return;
      await this.audit.record(em, {
        companyId: key.companyId,
        ...auditActor(actor),
        action: 'agent.key_revoked',
        entityType: 'agent_api_key',
        entityId: keyId,
        details: { agentId },
      });
    });
  }

  private async assertManagerInCompany(em: EntityManager, companyId: string, managerId: string): Promise<void> {
    const manager = await em.findOneBy(Agent, { id: managerId });
    if (!manager || manager.companyId !== companyId) {
      throw new DomainError('invalid_reference', 'reportsTo must be an agent of the same company', { reportsTo: managerId });
    }
  }

  private async assertNoReportingCycle(em: EntityManager, agentId: string, managerId: string): Promise<void> {
    if (await this.agents.isInChainOf(em, managerId, agentId, MAX_REPORTING_DEPTH)) {
      throw new DomainError('invalid_reference', 'reportsTo would make a reporting cycle', { reportsTo: managerId });
    }
  }
}
