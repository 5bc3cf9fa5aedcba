import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { query } from '../database/sql';

export interface AgentStanding {
  name: string;
  company_id: string;
  status: string;
}

/** Reads of agents and board users as issue assignees and as managers of assignees. */
@Injectable()
export class AssigneesRepository {
  async agent(em: EntityManager, agentId: string): Promise<AgentStanding | undefined> {
    const [agent] = await query<AgentStanding>(em, 'SELECT name, company_id, status FROM agents WHERE id = $1', [agentId]);
    return agent;
  }

  /** An instance admin, or an active member of the company. */
  async isActiveMember(em: EntityManager, userId: string, companyId: string): Promise<boolean> {
    const rows = await query(
      em,
      `SELECT 1 FROM users u WHERE u.id = $1 AND (u.is_instance_admin OR EXISTS (
         SELECT 1 FROM company_memberships m WHERE m.company_id = $2 AND m.principal_type = 'user' AND m.principal_id = u.id AND m.status = 'active'))`,
      [userId, companyId],
    );
    return rows.length > 0;
  }

  /** Whether `managerId` is in `agentId`'s reports_to chain, up to `maxDepth` levels. */
  async isInManagerChain(em: EntityManager, agentId: string, managerId: string, maxDepth: number): Promise<boolean> {
    const rows = await query(
      em,
      `WITH RECURSIVE chain(id, depth) AS (
         SELECT reports_to, 1 FROM agents WHERE id = $1
         UNION ALL
         SELECT a.reports_to, c.depth + 1 FROM agents a JOIN chain c ON a.id = c.id
          WHERE c.id IS NOT NULL AND c.depth < $3)
       SELECT 1 FROM chain WHERE id = $2 LIMIT 1`,
      [agentId, managerId, maxDepth],
    );
    return rows.length > 0;
  }
}
