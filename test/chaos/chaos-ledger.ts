/**
 * The client's side of the story: every write an agent saw acknowledged (a 2xx). After every fault
 * the invariants check each one against the rows and the audit trail — an acknowledged write must never vanish.
 */
export interface LedgerEntries {
  created: { issueId: string }[];
  checkouts: { issueId: string; runId: string }[];
  patches: { issueId: string; runId: string; description: string }[];
  comments: { issueId: string; commentId: string; body: string }[];
  releases: { issueId: string; runId: string }[];
  finishedRuns: { runId: string }[];
}

export class Ledger {
  readonly entries: LedgerEntries = { created: [], checkouts: [], patches: [], comments: [], releases: [], finishedRuns: [] };

  get size(): number {
    return Object.values(this.entries).reduce((sum, list: unknown[]) => sum + list.length, 0);
  }
}
