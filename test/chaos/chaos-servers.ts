import { freePort, Server, sleep, spawnServer, stop, url, waitHealthy } from '../helpers/server-process';

/** One of the server processes under test, on a port of its own, with the process now serving it. */
export interface ChaosServer {
  index: number;
  port: number;
  process: Server;
  /** `up`: serving; `restarting`: killed, a new process on its way; `paused`: SIGSTOPped. */
  state: 'up' | 'restarting' | 'paused';
}

const RESPAWN_DEADLINE_MS = 90_000;

/**
 * Several real server processes (WORKERS=1 each, one port each) on one PostgreSQL, like replicas:
 * the chaos run kills, restarts and pauses them one at a time. Everything they print is kept for the report.
 */
export class ChaosServers {
  readonly servers: ChaosServer[] = [];
  /** What every process that has run printed (JSON log lines go to stdout), for the report's "server errors logged". */
  private readonly pastOutput: string[] = [];

  constructor(
    private readonly main: string,
    private readonly env: Record<string, string>,
  ) {}

  async start(count: number): Promise<void> {
    const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
    this.servers.push(...(await Promise.all(ports.map(async (port, index) => ({ index, port, process: await this.spawnHealthy(port), state: 'up' as const })))));
  }

  /** A random serving process (none while all are down). */
  pick(exclude?: number): ChaosServer | undefined {
    const up = this.servers.filter((s) => s.state === 'up' && s.index !== exclude);
    return up[Math.floor(Math.random() * up.length)];
  }

  baseUrl(server: ChaosServer): string {
    return url(server.process, '');
  }

  /** SIGKILL, then a new process on the same port at once; resolves when it serves (ms from the kill). */
  async killAndRestart(server: ChaosServer): Promise<number> {
    server.state = 'restarting';
    const killedAt = Date.now();
    server.process.proc.kill('SIGKILL');
    await server.process.exited;
    this.pastOutput.push(server.process.out(), server.process.err());
    server.process = await this.spawnHealthy(server.port);
    server.state = 'up';
    return Date.now() - killedAt;
  }

  /** SIGSTOP for `ms`, then SIGCONT: its open transactions keep their row locks meanwhile. */
  async pause(server: ChaosServer, ms: number): Promise<void> {
    server.state = 'paused';
    server.process.proc.kill('SIGSTOP');
    await sleep(ms);
    server.process.proc.kill('SIGCONT');
    server.state = 'up';
  }

  /** Resolves when every process answers /api/health with 200; the milliseconds it took from `since`. */
  async allHealthy(since: number, deadlineMs = 60_000): Promise<number> {
    for (;;) {
      const statuses = await Promise.all(this.servers.map((s) => this.healthStatus(s)));
      if (statuses.every((status) => status === 200)) return Date.now() - since;
      if (Date.now() - since > deadlineMs) throw new Error(`servers not healthy ${deadlineMs} ms after ${new Date(since).toISOString()}: ${statuses.join(', ')}`);
      await sleep(50);
    }
  }

  async healthStatus(server: ChaosServer): Promise<number | 'unreachable'> {
    try {
      const res = await fetch(url(server.process, '/api/health'), { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 'unreachable';
    }
  }

  /** Every line any process printed, on stdout or stderr (including the ones killed on the way). */
  output(): string {
    return [...this.pastOutput, ...this.servers.flatMap((s) => [s.process.out(), s.process.err()])].join('\n');
  }

  async stopAll(): Promise<void> {
    for (const server of this.servers) if (server.state === 'paused') server.process.proc.kill('SIGCONT');
    await Promise.all(this.servers.map((s) => stop(s.process, 10_000)));
  }

  /** Spawns until one becomes healthy: a start while PostgreSQL is down exits, and is simply tried again. */
  private async spawnHealthy(port: number): Promise<Server> {
    const since = Date.now();
    for (;;) {
      const process = spawnServer(this.main, { ...this.env, PORT: String(port) });
      try {
        await waitHealthy(process, Date.now());
        return process;
      } catch (error) {
        this.pastOutput.push(process.out(), process.err());
        if (process.proc.exitCode === null) process.proc.kill('SIGKILL');
        if (Date.now() - since > RESPAWN_DEADLINE_MS) throw error;
        await sleep(300);
      }
    }
  }
}
