import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import type { TransactionRunner } from '../database/transaction-runner';
import type { StaleLockService } from '../locks/stale-lock.service';
import { ClaspMetrics } from '../metrics/clasp-metrics';
import type { RunEndService } from './run-end.service';
import type { RunReadsRepository } from './run-reads.repository';
import { SweeperService } from './sweeper.service';

function harness() {
  let active = 0;
  let maxActive = 0;
  let sweeps = 0;
  const releases: (() => void)[] = [];
  // A sweep starts with the candidate read; it is held open until the test releases it.
  const reads = {
    expiredLeaseIds: async () => {
      sweeps++;
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((resolve) => releases.push(resolve));
      return ['run-1'];
    },
  } as unknown as RunReadsRepository;
  const runEnd = { timeOutIfExpired: async () => true } as unknown as RunEndService;
  const staleLocks = { sweep: async () => 0 } as unknown as StaleLockService;
  const tx = {
    run: async <T>(work: (em: unknown) => Promise<T>) => {
      const result = await work({});
      active--;
      return result;
    },
  } as unknown as TransactionRunner;
  const config = { runLeaseSeconds: 300, sweepIntervalMs: 60_000 } as AppConfig;
  const sweeper = new SweeperService(reads, tx, staleLocks, runEnd, config, new ClaspMetrics());
  const flush = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  const releaseNext = async () => {
    await flush();
    releases.shift()?.();
    await flush();
  };
  return { sweeper, releaseNext, flush, stats: () => ({ sweeps, maxActive }) };
}

describe('SweeperService', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('runs the sweeps of one process one after another', async () => {
    const h = harness();
    const first = h.sweeper.sweepOnce();
    const second = h.sweeper.sweepOnce();
    await h.releaseNext();
    await h.releaseNext();
    await expect(first).resolves.toEqual({ timedOut: 1, failed: 0, staleLocksCleared: 0 });
    await expect(second).resolves.toEqual({ timedOut: 1, failed: 0, staleLocksCleared: 0 });
    expect(h.stats()).toEqual({ sweeps: 2, maxActive: 1 });
  });

  it('skips a timer tick while a sweep is still pending', async () => {
    const h = harness();
    const running = h.sweeper.sweepOnce();
    (h.sweeper as unknown as { tick(): void }).tick();
    (h.sweeper as unknown as { tick(): void }).tick();
    await h.releaseNext();
    await running;
    await h.flush();
    expect(h.stats().sweeps).toBe(1);
  });

  it('counts a run it could not end as failed and goes on', async () => {
    const h = harness();
    const runEnd = (h.sweeper as unknown as { runEnd: { timeOutIfExpired: () => Promise<boolean> } }).runEnd;
    runEnd.timeOutIfExpired = async () => {
      throw Object.assign(new Error('lock timeout'), { code: '55P03' });
    };
    const result = h.sweeper.sweepOnce();
    await h.releaseNext();
    await expect(result).resolves.toEqual({ timedOut: 0, failed: 1, staleLocksCleared: 0 });
  });
});
