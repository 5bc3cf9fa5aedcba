import { Injectable } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { SweeperService } from '../runs/sweeper.service';
import { HealthRepository } from './health.repository';

const DATABASE_TIMEOUT_MS = 2000;
/** Ready only while this process's own sweeper keeps succeeding: a process whose sweeps fail is taken out of rotation. */
const SWEEP_INTERVALS_TOLERATED = 3;

/** The probes: /api/health's database check, and liveness / readiness (@nestjs/terminus: database reachable, migrations applied, sweeper recent). */
@Injectable()
export class HealthService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly repository: HealthRepository,
    private readonly sweeper: SweeperService,
  ) {}

  async databaseUp(): Promise<boolean> {
    try {
      await this.repository.ping();
      return true;
    } catch {
      return false;
    }
  }

  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** Rejects with terminus's ServiceUnavailableException (its response: the result) when a check is down. */
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.indicators.check('database').attempt(() => this.repository.ping()).withTimeout(DATABASE_TIMEOUT_MS),
      () =>
        this.indicators
          .check('migrations')
          .attempt(async () => {
            if (await this.repository.hasPendingMigrations()) throw new Error('migrations are pending');
          })
          .withTimeout(DATABASE_TIMEOUT_MS),
      () => this.sweeperCheck(),
    ]);
  }

  private sweeperCheck(): HealthIndicatorResult<'sweeper'> {
    const session = this.indicators.check('sweeper');
    const last = this.sweeper.lastSuccessAt();
    const allowedMs = SWEEP_INTERVALS_TOLERATED * this.sweeper.intervalMs();
    if (last === null) return session.down({ message: 'no sweep has succeeded yet' });
    const ageMs = Date.now() - last;
    const lastSuccessAt = new Date(last).toISOString();
    return ageMs <= allowedMs ? session.up({ lastSuccessAt }) : session.down({ message: `last successful sweep ${Math.round(ageMs / 1000)} s ago`, lastSuccessAt });
  }
}
