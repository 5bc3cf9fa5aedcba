// Timing helpers, latency and error tallies, number formatting.

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

/** Growable latency recorder (ms). */
export class Latencies {
  private buf = new Float64Array(4096);
  n = 0;
  add(ms: number): void {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = ms;
  }
  merge(other: Latencies): void {
    for (let i = 0; i < other.n; i++) this.add(other.buf[i]);
  }
  summary(): { n: number; p50: number; p99: number; max: number; mean: number } {
    const s = this.buf.slice(0, this.n).sort();
    let sum = 0;
    for (let i = 0; i < s.length; i++) sum += s[i];
    return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.length ? s[s.length - 1] : NaN, mean: s.length ? sum / s.length : NaN };
  }
}

export class ErrorCounts {
  total = 0;
  readonly byKind = new Map<string, number>();
  add(kind: string): void {
    this.total++;
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
  }
  describe(): string {
    return [...this.byKind.entries()].map(([k, v]) => `${k} x${v}`).join(', ');
  }
}

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export const round = (n: number | undefined, d = 2): number | null => (n === undefined || !Number.isFinite(n) ? null : Number(n.toFixed(d)));
