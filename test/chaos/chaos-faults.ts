import { sleep } from '../helpers/server-process';
import type { ChaosPostgres } from './chaos-postgres';
import { send } from './chaos-http';
import type { Ledger } from './chaos-ledger';
import type { ChaosServers } from './chaos-servers';

export type FaultKind = 'sigkill-server' | 'pg-restart-fast' | 'pg-restart-immediate' | 'pg-terminate-backends' | 'sigstop-server';

/** Every kind once in the first five (a short run sees each), then the rotation again. */
export const FAULT_ROTATION: FaultKind[] = [
  'sigkill-server',
  'pg-terminate-backends',
  'pg-restart-fast',
  'sigstop-server',
  'pg-restart-immediate',
  'sigkill-server',
  'pg-terminate-backends',
  'sigkill-server',
];
export const FAULT_KINDS = new Set(FAULT_ROTATION).size;

export interface FaultRecord {
  kind: FaultKind;
  at: number;
  detail: string;
  /** When clients may see 503 database_unavailable because of this fault. */
  window: { from: number; to: number };
  /** PostgreSQL restarts: ready → every process serving writes again. Other faults: fault over → same. */
  recoveryMs: number;
  /** /api/health statuses seen while the fault lasted (PostgreSQL down: only 503 is right). */
  healthSeen: string[];
  invariantViolations?: number;
  checkMs?: number;
}

export interface FaultContext {
  pg: ChaosPostgres;
  servers: ChaosServers;
  ledger: Ledger;
  boardKey: string;
  probeIssueId: string;
  pauseMs: number;
}

/** Polls the processes' /api/health until stopped: what a monitor saw during the fault, between `from` and `to`. */
function watchHealth(servers: ChaosServers, only?: (index: number) => boolean): { stop(from?: number, to?: number): Promise<string[]> } {
  const seen: { at: number; status: string }[] = [];
  let watching = true;
  const loop = (async () => {
    while (watching) {
      const targets = servers.servers.filter((s) => s.state === 'up' && (!only || only(s.index)));
      const sentAt = Date.now();
      for (const status of await Promise.all(targets.map((s) => servers.healthStatus(s)))) seen.push({ at: sentAt, status: String(status) });
      await sleep(100);
    }
  })();
  return {
    stop: async (from = 0, to = Infinity) => {
      watching = false;
      await loop;
      return [...new Set(seen.filter((s) => s.at >= from && s.at <= to).map((s) => s.status))].sort();
    },
  };
}

/** Resolves once every process has acknowledged a write (a board comment on the probe issue); ms since `since`. */
export async function serviceBack(ctx: FaultContext, since: number, deadlineMs = 60_000): Promise<number> {
  const pending = new Set(ctx.servers.servers.map((s) => s.index));
  while (pending.size > 0) {
    if (Date.now() - since > deadlineMs) throw new Error(`processes ${[...pending].join(', ')} not serving writes ${deadlineMs} ms after the fault`);
    for (const index of [...pending]) {
      const server = ctx.servers.servers[index];
      if (server.state !== 'up') continue;
      const body = `recovery probe ${Date.now()} via ${server.port}`;
      const res = await send(ctx.servers.baseUrl(server), 'POST', `/api/issues/${ctx.probeIssueId}/comments`, { Authorization: `Bearer ${ctx.boardKey}` }, { body }, 2000);
      if (res.status === 201) {
        ctx.ledger.entries.comments.push({ issueId: ctx.probeIssueId, commentId: res.body.id as string, body });
        pending.delete(index);
      }
    }
    if (pending.size > 0) await sleep(50);
  }
  return Date.now() - since;
}

async function restartPostgres(ctx: FaultContext, mode: 'fast' | 'immediate'): Promise<FaultRecord> {
  const health = watchHealth(ctx.servers);
  const { stoppedAt, downAt, startAt, readyAt } = await ctx.pg.restart(mode);
  const healthSeen = await health.stop(downAt, startAt); // asked while PostgreSQL was gone
  const recoveryMs = await serviceBack(ctx, readyAt);
  const kind = mode === 'fast' ? 'pg-restart-fast' : 'pg-restart-immediate';
  return { kind, at: stoppedAt, detail: `stop → ready ${readyAt - stoppedAt} ms`, window: { from: stoppedAt, to: readyAt + recoveryMs + 1000 }, recoveryMs, healthSeen };
}

async function killServer(ctx: FaultContext): Promise<FaultRecord> {
  const victim = ctx.servers.pick();
  const at = Date.now();
  if (!victim) return { kind: 'sigkill-server', at, detail: 'no process up', window: { from: at, to: at }, recoveryMs: 0, healthSeen: [] };
  // The others must not notice: a killed process drops only its own connections.
  const others = watchHealth(ctx.servers, (index) => index !== victim.index);
  const restartMs = await ctx.servers.killAndRestart(victim);
  const healthSeen = await others.stop();
  const recoveryMs = await serviceBack(ctx, Date.now());
  return { kind: 'sigkill-server', at, detail: `process ${victim.index} killed, its replacement serving after ${restartMs} ms`, window: { from: at, to: at }, recoveryMs, healthSeen };
}

async function terminateBackends(ctx: FaultContext): Promise<FaultRecord> {
  const at = Date.now();
  const cut = await ctx.pg.terminateRandomBackends(4);
  const recoveryMs = await serviceBack(ctx, Date.now());
  // A request whose connection was cut under it answers 503 database_unavailable: allowed right around the cut.
  return { kind: 'pg-terminate-backends', at, detail: `${cut} connections terminated`, window: { from: at, to: Date.now() + 1000 }, recoveryMs, healthSeen: [] };
}

async function pauseServer(ctx: FaultContext): Promise<FaultRecord> {
  const victim = ctx.servers.pick();
  const at = Date.now();
  if (!victim) return { kind: 'sigstop-server', at, detail: 'no process up', window: { from: at, to: at }, recoveryMs: 0, healthSeen: [] };
  const others = watchHealth(ctx.servers, (index) => index !== victim.index);
  await ctx.servers.pause(victim, ctx.pauseMs);
  const healthSeen = await others.stop();
  const recoveryMs = await serviceBack(ctx, Date.now());
  return { kind: 'sigstop-server', at, detail: `process ${victim.index} stopped ${ctx.pauseMs} ms`, window: { from: at, to: at }, recoveryMs, healthSeen };
}

export function injectFault(ctx: FaultContext, kind: FaultKind): Promise<FaultRecord> {
  switch (kind) {
    case 'sigkill-server':
      return killServer(ctx);
    case 'pg-restart-fast':
      return restartPostgres(ctx, 'fast');
    case 'pg-restart-immediate':
      return restartPostgres(ctx, 'immediate');
    case 'pg-terminate-backends':
      return terminateBackends(ctx);
    case 'sigstop-server':
      return pauseServer(ctx);
  }
}
