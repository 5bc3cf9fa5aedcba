import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { BOARD_KEY_PREFIX, generateKey } from '../auth/key-hash';
import { TransactionRunner } from '../database/transaction-runner';
import { User } from './user.entity';
import { UsersService } from './users.service';
import { UsersRepository } from './users.repository';

export interface BootstrapResult {
  /** Set only when this start created the admin with a generated key: print it once. */
  generatedKey: string | null;
  created: boolean;
}

/** On an empty database, creates the instance admin `admin` with the configured or a generated board key. */
@Injectable()
export class BootstrapAdminService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tx: TransactionRunner,
    private readonly users: UsersService,
    private readonly usersRepository: UsersRepository,
  ) {}

  async ensureAdmin(): Promise<BootstrapResult> {
    return this.tx.run(async (em) => {
      await this.usersRepository.lockBootstrap(em);
      if (await this.usersRepository.anyUserExists(em)) return { generatedKey: null, created: false };
      const admin = await em.save(em.create(User, { email: 'admin@localhost', name: 'admin', isInstanceAdmin: true }));
      const token = this.config.bootstrapBoardKey ?? generateKey(BOARD_KEY_PREFIX);
      await this.users.issueKey(em, admin.id, 'bootstrap', admin.id, token);
      return { generatedKey: this.config.bootstrapBoardKey ? null : token, created: true };
    });
  }
}
