import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { query } from '../database/sql';

/** The probes' database questions. */
@Injectable()
export class HealthRepository {
  constructor(private readonly dataSource: DataSource) {}

  async ping(): Promise<void> {
    await query(this.dataSource.manager, 'SELECT 1');
  }

  /** Whether this build knows migrations the database has not applied (a newer build migrated it back? a restore?). */
  hasPendingMigrations(): Promise<boolean> {
    return this.dataSource.showMigrations();
  }
}
