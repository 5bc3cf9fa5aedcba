import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/domain-error';
import { query } from '../database/sql';
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
}

/** Turns a bearer token into the actor it stands for; never falls back to anonymous. */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runJwt: RunJwtService,
  ) {}

  async authenticate(token: string): Promise<Actor> {
    if (token.startsWith(BOARD_KEY_PREFIX)) return this.boardKey(token);
    if (token.startsWith(AGENT_KEY_PREFIX)) return this.agentKey(token);
    if (looksLikeJwt(token)) return this.runToken(token);
    throw invalid();
  }

  private async boardKey(token: string): Promise<BoardActor> {
    const rows = await query<{ key_id: string; user_id: string; is_instance_admin: boolean; stale_use: boolean }>(
      this.dataSource.manager,
      `SELECT k.id AS key_id, u.id AS user_id, u.is_instance_admin,
              (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute') AS stale_use
         FROM board_api_keys k JOIN users u ON u.id = k.user_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())`,
      [hashKey(token)],
    );
    const row = rows[0];
    if (!row) throw invalid();
    if (row.stale_use) await this.dataSource.query('UPDATE board_api_keys SET last_used_at = now() WHERE id = $1', [row.key_id]);
    return { type: 'board', userId: row.user_id, isInstanceAdmin: row.is_instance_admin, keyId: row.key_id };
  }

  private async agentKey(token: string): Promise<AgentActor> {
    const rows = await query<AgentRow & { stale_use: boolean }>(
      this.dataSource.manager,
      `SELECT a.id, a.company_id, a.name, a.role, a.permissions, a.status, k.id AS key_id,
              (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute') AS stale_use
         FROM agent_api_keys k JOIN agents a ON a.id = k.agent_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      [hashKey(token)],
    );
    const row = rows[0];
    if (!row || row.status === 'terminated') throw invalid();
    if (row.stale_use) await this.dataSource.query('UPDATE agent_api_keys SET last_used_at = now() WHERE id = $1', [row.key_id]);
    return this.agentActor(row, 'agent_key', null);
  }

  private async runToken(token: string): Promise<AgentActor> {
    const claims = this.runJwt.verify(token);
    if (!claims) throw invalid();
    const rows = await query<AgentRow>(
      this.dataSource.manager,
      'SELECT id, company_id, name, role, permissions, status FROM agents WHERE id = $1 AND company_id = $2',
      [claims.sub, claims.company_id],
    );
    const row = rows[0];
    if (!row || row.status === 'terminated') throw invalid();
    return this.agentActor(row, 'run_jwt', claims.run_id);
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
