import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AgentPermissions, AgentRole } from '../agents/agent.entity';
import { RowLookup, rowLookup } from '../database/row-lookup';
import { query } from '../database/sql';

export interface BoardKeyRow {
  key_id: string;
  user_id: string;
  is_instance_admin: boolean;
  /** The key's last use is older than a minute (or never recorded): time to record it. */
  stale_use: boolean;
}

export interface CredentialAgentRow {
  id: string;
  company_id: string;
  name: string;
  role: AgentRole;
  permissions: AgentPermissions | null;
  status: string;
  /** Set when the agent was found through one of its keys. */
  key_id?: string;
  stale_use?: boolean;
}

const STALE_USE = `(k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute') AS stale_use`;

/**
 * The credential tables (board_api_keys, agent_api_keys) and the agent a run JWT names. Lookups are
 * returned undone, so the guard can send them in one round trip with the path's scope lookup.
 */
@Injectable()
export class CredentialsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** An unrevoked, unexpired board key by hash, with its user. */
  boardKey<T>(keyHash: string, interpret: (row: BoardKeyRow | undefined) => Promise<T>): RowLookup<T> {
    return rowLookup(
      `SELECT k.id AS key_id, u.id AS user_id, u.is_instance_admin, ${STALE_USE}
         FROM board_api_keys k JOIN users u ON u.id = k.user_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())`,
      [keyHash],
      interpret,
    );
  }

  /** An unrevoked agent key by hash, with its agent. */
  agentKey<T>(keyHash: string, interpret: (row: CredentialAgentRow | undefined) => Promise<T>): RowLookup<T> {
    return rowLookup(
      `SELECT a.id, a.company_id, a.name, a.role, a.permissions, a.status, k.id AS key_id, ${STALE_USE}
         FROM agent_api_keys k JOIN agents a ON a.id = k.agent_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      [keyHash],
      interpret,
    );
  }

  /** The agent a run JWT names, in the company it names. */
  agentOfToken<T>(agentId: string, companyId: string, interpret: (row: CredentialAgentRow | undefined) => Promise<T>): RowLookup<T> {
    return rowLookup('SELECT id, company_id, name, role, permissions, status FROM agents WHERE id = $1 AND company_id = $2', [agentId, companyId], interpret);
  }

  async recordBoardKeyUse(keyId: string): Promise<void> {
    await query(this.dataSource.manager, 'UPDATE board_api_keys SET last_used_at = now() WHERE id = $1', [keyId]);
  }

  async recordAgentKeyUse(keyId: string): Promise<void> {
    await query(this.dataSource.manager, 'UPDATE agent_api_keys SET last_used_at = now() WHERE id = $1', [keyId]);
  }
}
