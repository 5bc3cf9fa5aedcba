import type { HorizonProbe } from '../audit/activity-events.repository';

/** Candidates kept while old transactions are still running; beyond it, new ones wait (only delays). */
const MAX_CANDIDATES = 64;

interface Candidate {
  lastSeq: bigint;
  /** The transactions running at the first probe after the one that read lastSeq. */
  waitFor?: Set<string>;
}

/**
 * The highest seq below which activity_log can no longer change: every transaction that drew a
 * seq ≤ `safe` has committed or rolled back, so a reader that has passed on everything up to
 * `safe` never sees a lower seq appear later (transactions commit out of seq order).
 *
 * Why it holds: the trigger gives a transaction its xid before it draws a seq. Probe i reads the
 * last seq drawn, L_i; probe i+1 runs later, so every transaction that drew a seq ≤ L_i and has
 * not ended is among the transactions probe i+1 sees running. Once none of those is running any
 * more, every seq ≤ L_i is committed (visible to the next read) or gone, and L_i is safe.
 */
export class CommitHorizon {
  private safeSeq = -1n;
  private candidates: Candidate[] = [];

  get safe(): bigint {
    return this.safeSeq;
  }

  observe(probe: HorizonProbe): void {
    const running = new Set(probe.running);
    for (const candidate of this.candidates) candidate.waitFor ??= running;
    let kept = 0;
    for (const candidate of this.candidates) {
      if (candidate.waitFor && ![...candidate.waitFor].some((xid) => running.has(xid))) {
        if (candidate.lastSeq > this.safeSeq) this.safeSeq = candidate.lastSeq;
      } else {
        this.candidates[kept++] = candidate;
      }
    }
    this.candidates.length = kept;
    if (probe.lastSeq <= this.safeSeq || this.candidates.at(-1)?.lastSeq === probe.lastSeq) return;
    if (this.candidates.length < MAX_CANDIDATES) this.candidates.push({ lastSeq: probe.lastSeq });
  }
}
