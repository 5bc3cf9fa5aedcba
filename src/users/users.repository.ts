import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { query } from '../database/sql';

/** Shared by every Clasp process: only the first of several starting at once creates the admin. */
const BOOTSTRAP_LOCK_KEY = 7_361_002;

/** The users SQL that TypeORM's entity manager does not already say. */
@Injectable()
export class UsersRepository {
  async lockBootstrap(em: EntityManager): Promise<void> {
    await query(em, 'SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_KEY]);
  }

  async anyUserExists(em: EntityManager): Promise<boolean> {
    const [row] = await query<{ exists: boolean }>(em, 'SELECT EXISTS (SELECT 1 FROM users) AS exists');
    return row.exists;
  }
}
