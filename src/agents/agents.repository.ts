import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { BuiltStatement } from '../database/built-statement';
import { query } from '../database/sql';
import { Agent, type AgentStatus } from './agent.entity';

/** Paperclip's chainOfCommand entry: one manager. */
export interface ManagerRow {
  id: string;
  name: string;
  role: string;
  title: string | null;
}

/** What waking an agent needs to know, read under FOR SHARE. */
export interface AgentForWakeupRow {
  id: string;
  company_id: string;
  status: AgentStatus;
}

/** The agents SQL that TypeORM's entity manager does not already say (reporting chains, wake-up locks, heartbeats). */
@Injectable()
export class AgentsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private readonly shareForWakeup = new BuiltStatement<{ id: string }>(() =>
    this.dataSource
      .createQueryBuilder()
      .select('a.id', 'id')
      .addSelect('a.companyId', 'company_id')
      .addSelect('a.status', 'status')
      .from(Agent, 'a')
      .where('a.id = :id')
      .setLock('pessimistic_read'),
  );

  /** The agent FOR SHARE: a concurrent pause waits for the wake-up to commit instead of racing it. */
  async lockForWakeup(em: EntityManager, agentId: string): Promise<AgentForWakeupRow | null> {
    const { text, values } = this.shareForWakeup.statement({ id: agentId });
    const [agent] = await query<AgentForWakeupRow>(em, text, values);
    return agent ?? null;
  }

  /** Records a sign of life of the agent; its adapter type, or null when there is no such agent. */
  async touchHeartbeat(em: EntityManager, agentId: string): Promise<string | null> {
    const [agent] = await query<{ adapter_type: string }>(em, 'UPDATE agents SET last_heartbeat_at = now() WHERE id = $1 RETURNING adapter_type', [agentId]);
    return agent?.adapter_type ?? null;
  }

  /** The agent's managers, nearest first, at most `maxDepth`. */
  chainOfCommand(agentId: string, maxDepth: number): Promise<ManagerRow[]> {
    return query<ManagerRow>(
      this.dataSource.manager,
      `WITH RECURSIVE chain(id, depth) AS (
         SELECT reports_to, 1 FROM agents WHERE id = $1 AND reports_to IS NOT NULL
         UNION ALL
         SELECT a.reports_to, c.depth + 1 FROM agents a JOIN chain c ON a.id = c.id
          WHERE a.reports_to IS NOT NULL AND c.depth < $2)
       SELECT a.id, a.name, a.role, a.title FROM chain c JOIN agents a ON a.id = c.id ORDER BY c.depth`,
      [agentId, maxDepth],
    );
  }

  /** Whether `agentId` is `managerId` or one of its managers (within `maxDepth`): reporting to it would close a cycle. */
  async isInChainOf(em: EntityManager, managerId: string, agentId: string, maxDepth: number): Promise<boolean> {
    const rows = await query<{ id: string }>(
      em,
      `WITH RECURSIVE chain(id, depth) AS (
         SELECT $1::uuid, 0
         UNION ALL
         SELECT a.reports_to, c.depth + 1 FROM agents a JOIN chain c ON a.id = c.id
          WHERE a.reports_to IS NOT NULL AND c.depth < $3)
       SELECT id FROM chain WHERE id = $2::uuid LIMIT 1`,
      [managerId, agentId, maxDepth],
    );
    return rows.length > 0;
  }
}
