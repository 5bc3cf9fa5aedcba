import { CLK_TCK, CpuDelta, cpuDelta, CpuFields, CpuSample, sampleCpu } from './cpu';
import { env } from './environment';
import { nowMs } from './stats';

// The measurement window shared by the workers of one run, and the sum of several windows.

export class Window {
  phase: 'warmup' | 'measure' | 'stop' = 'warmup';
  measureStart = 0;
  measureEnd = 0;
  iterations = 0;
  cpuStart?: CpuSample;
  cpuEnd?: CpuSample;
  constructor(
    readonly warmupMs: number,
    readonly durationMs: number,
    readonly maxIterations: number,
  ) {}

  async run(workers: number, worker: (i: number) => Promise<void>): Promise<void> {
    const all = Array.from({ length: workers }, (_, i) => worker(i));
    const timers: NodeJS.Timeout[] = [];
    const startMeasure = () => {
      if (this.phase !== 'warmup') return;
      this.phase = 'measure';
      this.cpuStart = sampleCpu();
      this.measureStart = nowMs();
      timers.push(setTimeout(() => this.stop(), this.durationMs));
    };
    if (this.warmupMs > 0) timers.push(setTimeout(startMeasure, this.warmupMs));
    else startMeasure();
    try {
      await Promise.all(all);
    } finally {
      for (const t of timers) clearTimeout(t);
      this.stop();
    }
    if (!this.measureStart) this.measureStart = this.measureEnd;
  }

  /** Called by workers once per iteration; false when they must stop. */
  next(): boolean {
    if (this.phase === 'stop' || env.stopRequested) return false;
    if (this.phase === 'measure' && ++this.iterations >= this.maxIterations) this.stop();
    return true;
  }

  get measuring(): boolean {
    return this.phase === 'measure';
  }

  stop(): void {
    if (this.phase === 'stop') return;
    this.phase = 'stop';
    this.measureEnd = nowMs();
    if (this.cpuStart) this.cpuEnd = sampleCpu();
  }
}

/** Measured time, cycles and CPU of one workload, summed over its windows (interleaved slices). */
export class Tally {
  cycles = 0;
  private measuredMs = 0;
  private cpu: CpuDelta = { wallMs: 0, serverTicks: 0, pgTicks: 0, benchUs: 0 };

  add(w: Window, cycles: number): void {
    this.cycles += cycles;
    this.measuredMs += w.measureEnd - w.measureStart;
    const d = cpuDelta(w.cpuStart, w.cpuEnd);
    if (d) for (const key of Object.keys(d) as (keyof CpuDelta)[]) this.cpu[key] += d[key];
  }

  get elapsedSec(): number {
    return Math.max(1e-9, this.measuredMs / 1000);
  }

  get cyclesPerSec(): number {
    return this.cycles / this.elapsedSec;
  }

  cpuFields(): CpuFields {
    const { wallMs, serverTicks, pgTicks, benchUs } = this.cpu;
    if (!wallMs) return { serverPct: NaN, pgPct: NaN, benchPct: NaN, serverMsPerCycle: NaN, pgMsPerCycle: NaN };
    const wallTicks = (wallMs / 1000) * CLK_TCK;
    const perCycle = (ticks: number) => (this.cycles ? (ticks * 1000) / CLK_TCK / this.cycles : NaN);
    return {
      serverPct: (100 * serverTicks) / wallTicks,
      pgPct: (100 * pgTicks) / wallTicks,
      benchPct: (100 * benchUs) / 1000 / wallMs,
      serverMsPerCycle: perCycle(serverTicks),
      pgMsPerCycle: perCycle(pgTicks),
    };
  }
}
