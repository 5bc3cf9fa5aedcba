/** One ownership event of an issue's audit trail, in the order the issue's row lock let them happen. */
export interface OwnershipEvent {
  issueId: string;
  action: string;
  runId: string | null;
  details: Record<string, any>;
  at: Date;
}

export interface Overlap {
  issueId: string;
  owner: string;
  taker: string | null;
  at: Date;
}

const TAKES = new Set(['issue.checked_out', 'issue.checkout_lock_adopted']);
const FREES = new Set(['issue.released', 'issue.admin_force_release']);

/** What a row's audit says happened to its owner: `take` a new one, `free` it, or nothing. */
function effect(event: OwnershipEvent, owner: string | null): 'take' | 'free' | 'none' {
  if (TAKES.has(event.action)) return 'take';
  if (FREES.has(event.action)) return 'free';
  if (event.action === 'issue.stale_lock_cleared') return event.details.clearedCheckoutRunId === owner ? 'free' : 'none';
  if (event.action !== 'issue.updated') return 'none';
  if (event.details.status === 'in_progress') return 'take'; // an agent's PATCH into in_progress takes the locks as a checkout does
  const left = event.details.status !== undefined || 'assigneeAgentId' in event.details || 'assigneeUserId' in event.details;
  return left ? 'free' : 'none';
}

/**
 * Replays each issue's audit trail (ordered by insert time: every row of an issue is written under
 * its row lock) and reports every moment a second run took an issue while the first still owned it.
 * Taking over is legitimate only from a run that had ended before (`runEndedAt`).
 */
export function overlappingOwners(events: OwnershipEvent[], runEndedAt: Map<string, Date>): Overlap[] {
  const owners = new Map<string, string | null>();
  const overlaps: Overlap[] = [];
  for (const event of events) {
    const owner = owners.get(event.issueId) ?? null;
    const what = effect(event, owner);
    if (what === 'free') owners.set(event.issueId, null);
    if (what !== 'take') continue;
    const ownerEnded = owner !== null && (runEndedAt.get(owner)?.getTime() ?? Infinity) <= event.at.getTime();
    if (owner !== null && owner !== event.runId && !ownerEnded) overlaps.push({ issueId: event.issueId, owner, taker: event.runId, at: event.at });
    owners.set(event.issueId, event.runId);
  }
  return overlaps;
}
