import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import type { RowLookup } from '../database/row-lookup';
import { AgentActor, Actor, BoardActor } from './actor';
import { CredentialAgentRow, CredentialsRepository } from './credentials.repository';
import { AGENT_KEY_PREFIX, BOARD_KEY_PREFIX, hashKey } from './key-hash';
import { looksLikeJwt, RunJwtService } from './run-jwt.service';

const invalid = () => new DomainError('invalid_credentials', 'The credential is invalid, expired or revoked');

/**
 * Turns a bearer token into the actor it stands for; never falls back to anonymous. `lookup()`
 * describes the database read so the guard can send it together with the path's scope lookup.
 */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly credentials: CredentialsRepository,
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
    return this.credentials.boardKey(hashKey(token), async (row) => {
      if (!row) throw invalid();
      if (row.stale_use) await this.credentials.recordBoardKeyUse(row.key_id);
      return { type: 'board', userId: row.user_id, isInstanceAdmin: row.is_instance_admin, keyId: row.key_id };
    });
  }

  private agentKey(token: string): RowLookup<AgentActor> {
    return this.credentials.agentKey(hashKey(token), async (agent) => {
      if (!agent || agent.status === 'terminated') throw invalid();
      if (agent.stale_use && agent.key_id) await this.credentials.recordAgentKeyUse(agent.key_id);
      return agentActor(agent, 'agent_key', null);
    });
  }

  private async runToken(token: string): Promise<RowLookup<AgentActor>> {
    const claims = await this.runJwt.verify(token);
    if (!claims) throw invalid();
    return this.credentials.agentOfToken(claims.sub, claims.company_id, async (agent) => {
      if (!agent || agent.status === 'terminated') throw invalid();
      return agentActor(agent, 'run_jwt', claims.run_id);
    });
  }
}

function agentActor(row: CredentialAgentRow, credential: AgentActor['credential'], runId: string | null): AgentActor {
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
