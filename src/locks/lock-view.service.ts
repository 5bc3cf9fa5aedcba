import { Injectable } from '@nestjs/common';
import { HeldLockResponse, toHeldLockResponse } from './locks.dto';
import { LockViewRepository } from './lock-view.repository';

/** The board's view of who holds what — what an operator reads before a force-release. */
@Injectable()
export class LockViewService {
  constructor(private readonly repository: LockViewRepository) {}

  async heldLocks(companyId: string, onlyStale: boolean): Promise<HeldLockResponse[]> {
    return (await this.repository.heldLocks(companyId, onlyStale)).map(toHeldLockResponse);
  }
}
