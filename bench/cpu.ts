import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { env } from './environment';
import { nowMs } from './stats';

// Memory and CPU of the server and PostgreSQL processes, read from /proc.

export function readRss(pid: number | undefined): { rssMb: number; hwmMb: number } {
  if (!pid) return { rssMb: NaN, hwmMb: NaN };
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

/** The postmaster and its children (backends, walwriter, ...), found through postmaster.pid. */
function postgresPids(): number[] {
  try {
    const postmaster = Number(readFileSync(join(env.tmp, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!postmaster) return [];
    const pids = [postmaster];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === postmaster) pids.push(Number(entry));
      } catch {
        /* exited meanwhile */
      }
    }
    return pids;
  } catch {
    return [];
  }
}

export const CLK_TCK = 100; // Linux USER_HZ

export interface CpuSample {
  atMs: number;
  server: number;
  pg: Map<number, number>;
  selfUs: number;
}

export function sampleCpu(): CpuSample {
  const pg = new Map<number, number>();
  for (const pid of postgresPids()) pg.set(pid, cpuTicks(pid));
  const self = process.cpuUsage();
  return { atMs: nowMs(), server: env.server?.pid ? cpuTicks(env.server.pid) : 0, pg, selfUs: self.user + self.system };
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
  let pgTicks = 0;
  for (const [pid, ticks] of b.pg) pgTicks += ticks - (a.pg.get(pid) ?? ticks);
  return { wallMs: b.atMs - a.atMs, serverTicks: b.server - a.server, pgTicks, benchUs: b.selfUs - a.selfUs };
}

export interface CpuFields {
  serverPct: number;
  pgPct: number;
  benchPct: number;
  serverMsPerCycle: number;
  pgMsPerCycle: number;
}
