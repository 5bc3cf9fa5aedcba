import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { BoardActor } from '../auth/actor';
import { BOARD_KEY_PREFIX, generateKey, hashKey } from '../auth/key-hash';
import { DomainError, notFound } from '../common/domain-error';
import { TransactionRunner } from '../database/transaction-runner';
import { BoardApiKey } from './board-api-key.entity';
import { User } from './user.entity';
import { CreatedKeyResponse, CreateUserDto } from './users.dto';

@Injectable()
export class UsersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateUserDto): Promise<User> {
    const email = dto.email.trim().toLowerCase();
    return this.tx.run(async (em) => {
      if (await em.findOneBy(User, { email })) throw new DomainError('duplicate', 'A user with this email already exists', { email });
      return em.save(em.create(User, { email, name: dto.name.trim(), isInstanceAdmin: dto.isInstanceAdmin ?? false }));
    });
  }

  list(): Promise<User[]> {
    return this.dataSource.getRepository(User).find({ order: { createdAt: 'ASC' } });
  }

  async createKey(actor: BoardActor, userId: string, name: string): Promise<CreatedKeyResponse> {
    if (!actor.isInstanceAdmin && actor.userId !== userId) {
      throw new DomainError('role_required', 'Only an instance admin or the user may create their keys', { required: 'instanceAdmin' });
    }
    return this.tx.run(async (em) => {
      if (!(await em.findOneBy(User, { id: userId }))) throw notFound('User', { userId });
      return this.issueKey(em, userId, name, actor.userId);
    });
  }

  /** Creates a board key for a user and audits it; the token is returned once and only its hash kept. */
  async issueKey(em: EntityManager, userId: string, name: string, actorUserId: string, token = generateKey(BOARD_KEY_PREFIX)): Promise<CreatedKeyResponse> {
    const key = await em.save(em.create(BoardApiKey, { userId, name, keyHash: hashKey(token) }));
    await this.audit.record(em, {
      companyId: null,
      actorType: 'user',
      actorId: actorUserId,
      action: 'board_key.created',
      entityType: 'board_api_key',
      entityId: key.id,
      details: { userId, name },
    });
    return { id: key.id, name: key.name, token };
  }

  async revokeKey(actor: BoardActor, keyId: string): Promise<void> {
    await this.tx.run(async (em) => {
      const key = await em.findOne(BoardApiKey, { where: { id: keyId }, lock: { mode: 'pessimistic_write' } });
      if (!key) throw notFound('Board key', { keyId });
      if (!actor.isInstanceAdmin && key.userId !== actor.userId) {
        throw new DomainError('role_required', 'Only an instance admin or the key owner may revoke it', { required: 'instanceAdmin' });
      }
      if (key.revokedAt) return;
      await em.update(BoardApiKey, { id: keyId }, { revokedAt: () => 'now()' });
      await this.audit.record(em, {
        companyId: null,
        actorType: 'user',
        actorId: actor.userId,
        action: 'board_key.revoked',
        entityType: 'board_api_key',
        entityId: keyId,
        details: { userId: key.userId },
      });
    });
  }
}
