import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/domain-error';
import { query, RowLookup } from '../database/sql';
import { AgentActor, Actor, BoardActor } from './actor';
import { AGENT_KEY_PREFIX, BOARD_KEY_PREFIX, hashKey } from './key-hash';
import { looksLikeJwt, RunJwtService } from './run-jwt.service';

const invalid = () => new DomainError('invalid_credentials', 'The credential is invalid, expired or revoked');

interface AgentRow {
  id: string;
  company_id: string;
  name: string;
  role: AgentActor['role'];
  permissions: AgentActor['permissions'];
  status: string;
  key_id?: string;
  stale_use?: boolean;
}

const STALE_USE = `(k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute') AS stale_use`;

/**
 * Turns a bearer token into the actor it stands for; never falls back to anonymous. `lookup()`
 * describes the database read so the guard can send it together with the path's scope lookup.
 */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runJwt: RunJwtService,
  ) {}

  /** Rejects with invalid_credentials, before any database read, a token no lookup could accept. */
  async lookup(token: string): Promise<RowLookup<Actor>> {
    if (token.startsWith(BOARD_KEY_PREFIX)) return this.boardKey(token);
    if (token.startsWith(AGENT_KEY_PREFIX)) return this.agentKey(token);
    if (looksLikeJwt(token)) return this.runToken(token);
    throw invalid();
  }

  private boardKey(token: string): RowLookup<BoardActor> {
    return {
      sql: `SELECT k.id AS key_id, u.id AS user_id, u.is_instance_admin, ${STALE_USE}
              FROM board_api_keys k JOIN users u ON u.id = k.user_id
             WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())`,
      params: [hashKey(token)],
      interpret: async (row) => {
        if (!row) throw invalid();
        if (row.stale_use) await query(this.dataSource.manager, 'UPDATE board_api_keys SET last_used_at = now() WHERE id = $1', [row.key_id]);
        return { type: 'board', userId: row.user_id, isInstanceAdmin: row.is_instance_admin, keyId: row.key_id };
      },
    };
  }

  private agentKey(token: string): RowLookup<AgentActor> {
    return {
      sql: `SELECT a.id, a.company_id, a.name, a.role, a.permissions, a.status, k.id AS key_id, ${STALE_USE}
              FROM agent_api_keys k JOIN agents a ON a.id = k.agent_id
             WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      params: [hashKey(token)],
      interpret: async (row) => {
        const agent = row as AgentRow | undefined;
        if (!agent || agent.status === 'terminated') throw invalid();
        if (agent.stale_use) await query(this.dataSource.manager, 'UPDATE agent_api_keys SET last_used_at = now() WHERE id = $1', [agent.key_id]);
        return this.agentActor(agent, 'agent_key', null);
      },
    };
  }

  private async runToken(token: string): Promise<RowLookup<AgentActor>> {
    const claims = await this.runJwt.verify(token);
    if (!claims) throw invalid();
    return {
      sql: 'SELECT id, company_id, name, role, permissions, status FROM agents WHERE id = $1 AND company_id = $2',
      params: [claims.sub, claims.company_id],
      interpret: async (row) => {
        const agent = row as AgentRow | undefined;
        if (!agent || agent.status === 'terminated') throw invalid();
        return this.agentActor(agent, 'run_jwt', claims.run_id);
      },
    };
  }

  private agentActor(row: AgentRow, credential: AgentActor['credential'], runId: string | null): AgentActor {
    return {
      type: 'agent',
      agentId: row.id,
      companyId: row.company_id,
      agentName: row.name,
      role: row.role,
      permissions: row.permissions ?? {},
      credential,
      keyId: row.key_id ?? null,
      runId,
    };
  }
}
