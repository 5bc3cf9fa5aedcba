import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { env } from './environment';
import { nowMs } from './stats';

// Memory and CPU of the server and PostgreSQL processes, read from /proc.

/** The server's memory: its process and, with --workers > 1, its worker processes (summed; the peak is the sum of their peaks). */
export function readRss(pid: number | undefined): { rssMb: number; hwmMb: number } {
  if (!pid) return { rssMb: NaN, hwmMb: NaN };
  const all = [pid, ...childrenOf(pid)].map(readOneRss);
  return { rssMb: all.reduce((sum, r) => sum + r.rssMb, 0), hwmMb: all.reduce((sum, r) => sum + r.hwmMb, 0) };
}

export function readOneRss(pid: number): { rssMb: number; hwmMb: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => {
      const m = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
      return m ? Number(m[1]) / 1024 : NaN;
    };
    return { rssMb: kb('VmRSS'), hwmMb: kb('VmHWM') };
  } catch {
    return { rssMb: NaN, hwmMb: NaN };
  }
}

/** utime + stime of one process, in clock ticks (0 when it is gone). */
function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of proc(5)
  } catch {
    return 0;
  }
}

/** Direct children of a process (the postmaster's backends, a cluster primary's workers). */
export function childrenOf(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/** The postmaster and its children (backends, walwriter, ...), found through postmaster.pid. */
function postgresPids(): number[] {
  try {
    const postmaster = Number(readFileSync(join(env.tmp, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    return postmaster ? [postmaster, ...childrenOf(postmaster)] : [];
  } catch {
    return [];
  }
}

function ticksOf(pids: number[]): Map<number, number> {
  return new Map(pids.map((pid) => [pid, cpuTicks(pid)]));
}

/** Ticks used between two samples by the processes present in both. */
function ticksBetween(a: Map<number, number>, b: Map<number, number>): number {
  let ticks = 0;
  for (const [pid, t] of b) ticks += t - (a.get(pid) ?? t);
  return ticks;
}

export const CLK_TCK = 100; // Linux USER_HZ

export interface CpuSample {
  atMs: number;
  server: Map<number, number>;
  pg: Map<number, number>;
  selfUs: number;
}

export function sampleCpu(): CpuSample {
  const self = process.cpuUsage();
  const server = env.server?.pid ? [env.server.pid, ...childrenOf(env.server.pid)] : [];
  return { atMs: nowMs(), server: ticksOf(server), pg: ticksOf(postgresPids()), selfUs: self.user + self.system };
}

export interface CpuDelta {
  wallMs: number;
  serverTicks: number;
  pgTicks: number;
  benchUs: number;
}

/** CPU used between two samples (backends present in both samples only). */
export function cpuDelta(a: CpuSample | undefined, b: CpuSample | undefined): CpuDelta | undefined {
  if (!a || !b || b.atMs <= a.atMs) return undefined;
  return { wallMs: b.atMs - a.atMs, serverTicks: ticksBetween(a.server, b.server), pgTicks: ticksBetween(a.pg, b.pg), benchUs: b.selfUs - a.selfUs };
}

export interface CpuFields {
  serverPct: number;
  pgPct: number;
  benchPct: number;
  serverMsPerCycle: number;
  pgMsPerCycle: number;
}
