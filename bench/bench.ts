/*
 * Clasp load benchmark.
 *
 *   npm run bench -- --scenario cycle|hot|all [--concurrency 1,4,16] [--duration 10] [--warmup 2]
 *                    [--issues-per-agent 4] [--max-iterations 1000000] [--no-raw] [--slices 4] [--verbose]
 *
 * Starts its own embedded PostgreSQL (fresh temp dir, free port), spawns the compiled server
 * (dist/src/main.js) against it, sets up a company, agents, agent keys, live runs and issues, and
 * drives:
 *   cycle: each of C agents loops checkout -> release over its own issues;
 *   hot:   C agents race to check out one issue; whoever wins releases it and keeps racing.
 * For cycle it also runs the same transaction shapes straight through `pg` (C connections,
 * separate issues), alternating with the API in --slices windows, and prints api/raw. For hot it replays the audit rows of the hot issue and
 * counts double owners. Everything it started is stopped on exit, error or SIGINT.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { connect, createServer, Socket } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool, PoolClient } from 'pg';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../src/database/embedded-postgres';

// ---------------------------------------------------------------------------------------------
// options

type ScenarioName = 'cycle' | 'hot';

interface Options {
  scenarios: ScenarioName[];
  concurrency: number[];
  durationSec: number;
  warmupSec: number;
  issuesPerAgent: number;
  maxIterations: number;
  raw: boolean;
  verbose: boolean;
  keep: boolean;
  profile: number;
  rawPrepared: boolean;
  /** Load workers use node:http's client instead of one lean connection each. */
  nodeHttp: boolean;
  /** cycle: API and raw baseline alternate in this many measured windows each. */
  slices: number;
  /** Directory for a V8 CPU profile of the server (node --cpu-prof), written when it stops. */
  cpuProfDir?: string;
}

function usage(): string {
  return [
    'usage: node dist/bench/bench.js [options]',
    '  --scenario cycle|hot|all       default all',
    '  --concurrency 1,4,16           comma list of C values, default 1,4,16',
    '  --duration <s>                 measured seconds per run, default 10',
    '  --warmup <s>                   unmeasured seconds before each run (each slice), default 2',
    '  --issues-per-agent <n>         cycle: issues each agent rotates over, default 4',
    '  --max-iterations <n>           cap on cycles (or hot attempts) per run, default 1000000',
    '  --no-raw                       skip the raw-SQL baseline',
    '  --node-http                    load workers use node:http (default: one lean keep-alive connection each)',
    '  --slices <n>                   cycle: alternate API and raw in n windows each (duration/n s), default 4',
    '  --raw-prepared                 raw baseline with named (server-side prepared) statements',
    '  --keep                         keep the temp dir (database files)',
    '  --profile [n]                  also count the SQL statements of n sequential API and raw cycles',
    '                                 (pg_stat_statements; default n = 200)',
    '  --cpu-prof <dir>               write a CPU profile of the server to <dir> (open it in Chrome DevTools)',
    '  --verbose                      echo server output',
  ].join('\n');
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    scenarios: ['cycle', 'hot'],
    concurrency: [1, 4, 16],
    durationSec: 10,
    warmupSec: 2,
    issuesPerAgent: 4,
    maxIterations: 1_000_000,
    raw: true,
    verbose: false,
    keep: false,
    profile: 0,
    rawPrepared: false,
    slices: 4,
    nodeHttp: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${usage()}`);
      return v;
    };
    const num = (v: string, min: number): number => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < min) throw new Error(`${flag}: bad number "${v}"`);
      return n;
    };
    switch (flag) {
      case '--scenario': {
        const v = value();
        if (v === 'all') o.scenarios = ['cycle', 'hot'];
        else if (v === 'cycle' || v === 'hot') o.scenarios = [v];
        else throw new Error(`--scenario must be cycle, hot or all\n${usage()}`);
        break;
      }
      case '--concurrency':
      case '-c':
        o.concurrency = value()
          .split(',')
          .filter((s) => s.trim() !== '')
          .map((s) => Math.floor(num(s.trim(), 1)));
        if (o.concurrency.length === 0) throw new Error('--concurrency needs at least one value');
        break;
      case '--duration':
        o.durationSec = num(value(), 0.1);
        break;
      case '--warmup':
        o.warmupSec = num(value(), 0);
        break;
      case '--issues-per-agent':
        o.issuesPerAgent = Math.floor(num(value(), 1));
        break;
      case '--max-iterations':
        o.maxIterations = Math.floor(num(value(), 1));
        break;
      case '--no-raw':
        o.raw = false;
        break;
      case '--node-http':
        o.nodeHttp = true;
        break;
      case '--slices':
        o.slices = Math.floor(num(value(), 1));
        break;
      case '--profile': {
        const next = inline ?? argv[i + 1];
        if (next !== undefined && /^\d+$/.test(next)) {
          o.profile = Math.max(1, Number(next));
          if (inline === undefined) i++;
        } else o.profile = 200;
        break;
      }
      case '--raw-prepared':
        o.rawPrepared = true;
        break;
      case '--keep':
        o.keep = true;
        break;
      case '--cpu-prof':
        o.cpuProfDir = value();
        break;
      case '--verbose':
        o.verbose = true;
        break;
      case '--help':
      case '-h':
        console.log(usage());
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg}\n${usage()}`);
    }
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// small helpers

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

/** Growable latency recorder (ms). */
class Latencies {
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
  summary(): { n: number; p50: number; p99: number; max: number; mean: number } {
    const s = this.buf.slice(0, this.n).sort();
    let sum = 0;
    for (let i = 0; i < s.length; i++) sum += s[i];
    return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.length ? s[s.length - 1] : NaN, mean: s.length ? sum / s.length : NaN };
  }
}

class ErrorCounts {
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

function readRss(pid: number | undefined): { rssMb: number; hwmMb: number } {
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

const CLK_TCK = 100; // Linux USER_HZ

interface CpuSample {
  atMs: number;
  server: number;
  pg: Map<number, number>;
  selfUs: number;
}

function sampleCpu(): CpuSample {
  const pg = new Map<number, number>();
  for (const pid of postgresPids()) pg.set(pid, cpuTicks(pid));
  const self = process.cpuUsage();
  return { atMs: nowMs(), server: env.server?.pid ? cpuTicks(env.server.pid) : 0, pg, selfUs: self.user + self.system };
}

interface CpuDelta {
  wallMs: number;
  serverTicks: number;
  pgTicks: number;
  benchUs: number;
}

/** CPU used between two samples (backends present in both samples only). */
function cpuDelta(a: CpuSample | undefined, b: CpuSample | undefined): CpuDelta | undefined {
  if (!a || !b || b.atMs <= a.atMs) return undefined;
  let pgTicks = 0;
  for (const [pid, ticks] of b.pg) pgTicks += ticks - (a.pg.get(pid) ?? ticks);
  return { wallMs: b.atMs - a.atMs, serverTicks: b.server - a.server, pgTicks, benchUs: b.selfUs - a.selfUs };
}

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

// ---------------------------------------------------------------------------------------------
// HTTP client: plain node:http with a keep-alive agent (cheap; shares the CPU with server + db)

interface HttpResult {
  status: number;
  body: any;
  text: string;
}

interface HttpClient {
  request(method: string, path: string, token?: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult>;
}

function parseBody(text: string): any {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * One keep-alive HTTP/1.1 connection for one load worker (one request at a time): the request is
 * written as one buffer and the response read just far enough for its status, Content-Length and
 * body. Real agents run on other machines; here the load generator shares two CPUs with the
 * server and PostgreSQL, and node:http's client cost about 0.1 ms of CPU per call taken from them.
 * `--node-http` goes back to node:http for comparison.
 */
class WorkerConnection implements HttpClient {
  private socket?: Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private waiting?: { resolve(r: HttpResult): void; reject(e: Error): void };

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  async request(method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
    const socket = this.socket ?? (await this.open());
    const payload = body === undefined ? '' : JSON.stringify(body);
    let head = `${method} ${path} HTTP/1.1\r\nHost: bench\r\nAccept: application/json\r\n`;
    if (token) head += `Authorization: Bearer ${token}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    if (payload) head += `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n`;
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      socket.write(`${head}\r\n${payload}`);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  /** Connects (again, after the server closed an idle connection or an error). */
  private open(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port, noDelay: true }, () => {
        socket.off('error', reject);
        socket.on('error', (e) => this.fail(socket, e));
        this.socket = socket;
        this.buffered = Buffer.alloc(0);
        resolve(socket);
      });
      socket.once('error', reject);
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('close', () => this.fail(socket, new Error('connection closed by the server')));
    });
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const headerEnd = this.buffered.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const head = this.buffered.toString('latin1', 0, headerEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) return this.fail(this.socket, new Error('response without Content-Length'));
    const end = headerEnd + 4 + Number(length[1]);
    if (this.buffered.length < end) return;
    const text = this.buffered.toString('utf8', headerEnd + 4, end);
    this.buffered = this.buffered.subarray(end);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve({ status: Number(head.slice(9, 12)), body: parseBody(text), text });
  }

  private fail(socket: Socket | undefined, error: Error): void {
    socket?.destroy();
    if (socket !== this.socket) return;
    this.socket = undefined;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }
}

/** The connection each load worker sends its calls on: its own WorkerConnection, or node:http's shared agent. */
function workerClients(c: number, opts: Options): { clients: HttpClient[]; close(): void } {
  const api = env.api as Api;
  if (opts.nodeHttp) return { clients: new Array<HttpClient>(c).fill(api), close: () => undefined };
  const connections = Array.from({ length: c }, () => new WorkerConnection(api.host, api.port));
  return { clients: connections, close: () => connections.forEach((connection) => connection.close()) };
}

class Api implements HttpClient {
  readonly agent: http.Agent;
  constructor(
    readonly host: string,
    readonly port: number,
    maxSockets: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  request(method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const h: Record<string, string | number> = { accept: 'application/json', ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      h['content-type'] = 'application/json';
      h['content-length'] = Buffer.byteLength(payload);
    }
    return new Promise((res, rej) => {
      const req = http.request({ host: this.host, port: this.port, method, path, headers: h, agent: this.agent }, (resp) => {
        const chunks: Buffer[] = [];
        resp.on('data', (c: Buffer) => chunks.push(c));
        resp.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          res({ status: resp.statusCode ?? 0, body: parseBody(text), text });
        });
        resp.on('error', rej);
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`timeout ${method} ${path}`)));
      req.on('error', rej);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function errorKind(r: HttpResult): string {
  const code = r.body && typeof r.body === 'object' && typeof r.body.code === 'string' ? r.body.code : '';
  return code ? `${r.status} ${code}` : `${r.status}`;
}

// ---------------------------------------------------------------------------------------------
// environment: embedded postgres + server child

interface Env {
  tmp: string;
  db?: EmbeddedDatabase;
  pool?: Pool;
  server?: ChildProcess;
  serverExited: boolean;
  serverTail: string[];
  api?: Api;
  boardKey: string;
  baseUrl: string;
}

const env: Env = { tmp: '', serverExited: false, serverTail: [], boardKey: '', baseUrl: '' };
let cleanedUp = false;
let keepTemp = false;
let cleanupPromise: Promise<void> | undefined;

/** Stops everything this script started; safe to call many times (one shared promise). */
function cleanup(): Promise<void> {
  cleanupPromise ??= doCleanup();
  return cleanupPromise;
}

async function doCleanup(): Promise<void> {
  cleanedUp = true;
  env.api?.close();
  await env.pool?.end().catch(() => undefined);
  const child = env.server;
  if (child && !env.serverExited && child.pid) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      child.kill('SIGTERM');
    } catch {
      /* already gone */
    }
    const ok = await Promise.race([exited.then(() => true), sleep(8000).then(() => false)]);
    if (!ok) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
      await Promise.race([exited, sleep(2000)]);
    }
  }
  if (env.db) await env.db.stop().catch((e) => console.error(`bench: stopping embedded postgres failed: ${e}`));
  if (env.tmp && existsSync(env.tmp)) {
    if (keepTemp) console.error(`bench: kept ${env.tmp}`);
    else rmSync(env.tmp, { recursive: true, force: true });
  }
}

async function startEnvironment(opts: Options): Promise<void> {
  env.tmp = mkdtempSync(join(tmpdir(), 'clasp-bench-'));
  chmodSync(env.tmp, 0o755); // as root, embedded postgres runs as another user
  const pgPort = await freePort();
  const t0 = Date.now();
  env.db = await startEmbeddedPostgres(join(env.tmp, 'pg'), pgPort, 'clasp');
  if (opts.profile) {
    // pg_stat_statements must be preloaded: set it and restart the cluster on the same files.
    const admin = new Pool({ connectionString: env.db.url, max: 1 });
    await admin.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
    await admin.query(`ALTER SYSTEM SET pg_stat_statements.track_utility = on`);
    await admin.end();
    await env.db.stop();
    env.db = await startEmbeddedPostgres(join(env.tmp, 'pg'), pgPort, 'clasp');
    const again = new Pool({ connectionString: env.db.url, max: 1 });
    await again.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await again.end();
  }
  log(`embedded postgres on port ${pgPort} (${Date.now() - t0} ms)${opts.profile ? ', pg_stat_statements loaded' : ''}`);

  const distRoot = resolve(__dirname, '..');
  const mainJs = join(distRoot, 'src', 'main.js');
  if (!existsSync(mainJs)) throw new Error(`${mainJs} not found: run npm run build first`);
  const port = await freePort();
  env.boardKey = `clasp_board_${randomBytes(24).toString('hex')}`;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: env.db.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: join(env.tmp, 'data'),
    BOOTSTRAP_BOARD_KEY: env.boardKey,
    LOG_LEVEL: 'warn',
    AGENT_JWT_SECRET: randomBytes(32).toString('hex'),
    RUN_LEASE_SECONDS: '86400', // runs are seeded directly and never heartbeat
    NODE_ENV: 'production',
  };
  const t1 = Date.now();
  const profArgs = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
  const child = spawn(process.execPath, [...profArgs, mainJs], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], cwd: distRoot });
  env.server = child;
  const keepTail = (prefix: string) => (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      env.serverTail.push(line);
      if (env.serverTail.length > 200) env.serverTail.shift();
      if (opts.verbose) console.error(`[server${prefix}] ${line}`);
    }
  };
  child.stdout?.on('data', keepTail(''));
  child.stderr?.on('data', keepTail(':err'));
  child.on('exit', (code, signal) => {
    env.serverExited = true;
    if (!cleanedUp && !stopRequested) console.error(`bench: server exited unexpectedly (code ${code}, signal ${signal})`);
  });

  env.api = new Api('127.0.0.1', port, 256);
  env.baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (stopRequested) throw new Error('interrupted');
    if (env.serverExited) throw new Error(`server exited during start-up:\n${env.serverTail.slice(-30).join('\n')}`);
    try {
      const r = await env.api.request('GET', '/api/health');
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`server not healthy after 90 s:\n${env.serverTail.slice(-30).join('\n')}`);
    await sleep(100);
  }
  log(`server pid ${child.pid} on ${env.baseUrl} healthy (${Date.now() - t1} ms)`);
  env.pool = new Pool({ connectionString: env.db.url, max: 40 });
  env.pool.on('error', poolError);
}

/** An idle pooled connection died (e.g. the database is stopping on SIGINT): not fatal by itself. */
function poolError(e: Error): void {
  if (!stopRequested && !cleanedUp) log(`pg pool: ${e.message}`);
}

function log(msg: string): void {
  console.error(`bench: ${msg}`);
}

// ---------------------------------------------------------------------------------------------
// fixtures

interface Company {
  id: string;
  prefix: string;
}

interface BenchAgent {
  id: string;
  name: string;
  key: string;
  runId: string;
}

async function must(r: Promise<HttpResult>, expected: number[], what: string): Promise<any> {
  const res = await r;
  if (!expected.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${res.text.slice(0, 500)}`);
  return res.body;
}

async function createCompany(): Promise<Company> {
  const api = env.api as Api;
  const name = `Bench ${Date.now().toString(36)}`;
  const body = await must(api.request('POST', '/api/companies', env.boardKey, { name }), [200, 201], 'POST /api/companies');
  let prefix: string | undefined = body.issuePrefix;
  if (!prefix) {
    const row = await (env.pool as Pool).query('SELECT issue_prefix FROM companies WHERE id = $1', [body.id]);
    prefix = row.rows[0]?.issue_prefix;
  }
  return { id: body.id, prefix: prefix ?? 'BEN' };
}

async function createAgents(company: Company, count: number, label: string): Promise<BenchAgent[]> {
  const api = env.api as Api;
  const pool = env.pool as Pool;
  const out: BenchAgent[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${label}-${String(i + 1).padStart(2, '0')}`;
    const agent = await must(
      api.request('POST', `/api/companies/${company.id}/agents`, env.boardKey, { name }),
      [200, 201],
      `POST /api/companies/:id/agents (${name})`,
    );
    const key = await must(api.request('POST', `/api/agents/${agent.id}/keys`, env.boardKey, { name: 'bench' }), [200, 201], 'POST /api/agents/:id/keys');
    if (typeof key.token !== 'string' || !key.token.startsWith('clasp_agent_')) throw new Error(`unexpected key response ${JSON.stringify(key)}`);
    const run = await pool.query(
      `INSERT INTO heartbeat_runs (company_id, agent_id, status, invocation_source, started_at, last_heartbeat_at)
       VALUES ($1, $2, 'running', 'on_demand', now(), now()) RETURNING id`,
      [company.id, agent.id],
    );
    out.push({ id: agent.id, name, key: key.token, runId: run.rows[0].id });
  }
  return out;
}

/** 'api' once POST /issues answered 201, 'sql' once it did not; decided on the first call. */
let issueMode: 'unknown' | 'api' | 'sql' = 'unknown';

async function createIssues(company: Company, count: number, label: string): Promise<string[]> {
  const api = env.api as Api;
  const pool = env.pool as Pool;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const title = `${label} #${i + 1}`;
    if (issueMode !== 'sql') {
      const r = await api.request('POST', `/api/companies/${company.id}/issues`, env.boardKey, { title, status: 'todo' });
      if ((r.status === 201 || r.status === 200) && r.body?.id) {
        if (issueMode === 'unknown') log('issues are created through POST /api/companies/:id/issues');
        issueMode = 'api';
        ids.push(r.body.id);
        continue;
      }
      if (issueMode === 'api') throw new Error(`POST /api/companies/:id/issues: HTTP ${r.status} ${r.text.slice(0, 300)}`);
      issueMode = 'sql';
      log(`POST /api/companies/:id/issues answered ${r.status}; seeding issues with SQL`);
    }
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const c = await client.query('UPDATE companies SET issue_counter = issue_counter + 1 WHERE id = $1 RETURNING issue_counter', [company.id]);
      const n: number = c.rows[0].issue_counter;
      const row = await client.query(
        `INSERT INTO issues (company_id, title, status, priority, issue_number, identifier)
         VALUES ($1, $2, 'todo', 'medium', $3, $4) RETURNING id`,
        [company.id, title, n, `${company.prefix}-${n}`],
      );
      await client.query('COMMIT');
      ids.push(row.rows[0].id);
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }
  return ids;
}

/** Keep the seeded runs' leases fresh (belt and braces: the server was also given a long lease). */
async function touchRuns(agents: BenchAgent[]): Promise<void> {
  await (env.pool as Pool).query(`UPDATE heartbeat_runs SET last_heartbeat_at = now(), updated_at = now() WHERE id = ANY($1::uuid[])`, [agents.map((a) => a.runId)]);
}

// ---------------------------------------------------------------------------------------------
// measurement window shared by the workers of one run

class Window {
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
    if (this.phase === 'stop' || stopRequested) return false;
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

let stopRequested = false;

interface CpuFields {
  serverPct: number;
  pgPct: number;
  benchPct: number;
  serverMsPerCycle: number;
  pgMsPerCycle: number;
}

/** Measured time, cycles and CPU of one workload, summed over its windows (interleaved slices). */
class Tally {
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

// ---------------------------------------------------------------------------------------------
// API workloads

/** What one workload measured: the API's (RunResult) or the raw-SQL baseline's. */
interface MeasuredRun {
  concurrency: number;
  elapsedSec: number;
  cycles: number;
  cyclesPerSec: number;
  checkout: ReturnType<Latencies['summary']>;
  release: ReturnType<Latencies['summary']>;
  errors: number;
  errorKinds: string;
  cpu: CpuFields;
}

interface RunResult extends MeasuredRun {
  scenario: ScenarioName;
  rssMb: number;
  rssPeakMb: number;
  wins?: number;
  conflicts?: number;
  auditCheckouts?: number;
  clientWinsTotal?: number;
  doubleOwners?: number;
  releaseMismatches?: number;
  finalState?: string;
  raw?: MeasuredRun;
  ratio?: number;
}

function agentHeaders(a: BenchAgent): Record<string, string> {
  return { 'x-paperclip-run-id': a.runId };
}

const CHECKOUT_STATUSES = ['todo', 'backlog', 'blocked'];

/** The latencies and errors one scenario run collects. */
class CallStats {
  readonly latencies = { checkout: new Latencies(), release: new Latencies() };
  readonly errors = new ErrorCounts();

  /** One timed call; a transport error is counted (when measured) and answers null. */
  async timed(kind: 'checkout' | 'release', measured: boolean, call: () => Promise<HttpResult>): Promise<HttpResult | null> {
    const t = nowMs();
    try {
      const r = await call();
      if (measured) this.latencies[kind].add(nowMs() - t);
      return r;
    } catch (e) {
      if (measured) this.errors.add(`${kind} ${(e as Error).message}`);
      return null;
    }
  }

  /** Releases the issue; true when it answered 200. */
  async release(client: HttpClient, issueId: string, agent: BenchAgent, headers: Record<string, string>, measured: boolean): Promise<boolean> {
    const r = await this.timed('release', measured, () => client.request('POST', `/api/issues/${issueId}/release`, agent.key, undefined, headers));
    if (!r) return false;
    if (r.status !== 200) {
      if (measured) this.errors.add(`release ${errorKind(r)}`);
      return false;
    }
    return true;
  }

  measured(c: number, tally: Tally): MeasuredRun {
    return {
      concurrency: c,
      elapsedSec: tally.elapsedSec,
      cycles: tally.cycles,
      cyclesPerSec: tally.cyclesPerSec,
      checkout: this.latencies.checkout.summary(),
      release: this.latencies.release.summary(),
      errors: this.errors.total,
      errorKinds: this.errors.describe(),
      cpu: tally.cpuFields(),
    };
  }

  result(scenario: 'cycle' | 'hot', c: number, tally: Tally): RunResult {
    const rss = readRss(env.server?.pid);
    return { scenario, ...this.measured(c, tally), rssMb: rss.rssMb, rssPeakMb: rss.hwmMb };
  }
}

function checkoutCall(client: HttpClient, issueId: string, agent: BenchAgent, headers: Record<string, string>): () => Promise<HttpResult> {
  return () => client.request('POST', `/api/issues/${issueId}/checkout`, agent.key, { agentId: agent.id, expectedStatuses: CHECKOUT_STATUSES }, headers);
}

/** A workload that can run in several measured windows, summed into one result (see runCycleWithRaw). */
interface SlicedWorkload<R> {
  runSlice(warmupMs: number, durationMs: number): Promise<void>;
  result(): R;
}

async function cycleWorkload(company: Company, agents: BenchAgent[], c: number, opts: Options): Promise<SlicedWorkload<RunResult>> {
  const issues: string[][] = [];
  for (let i = 0; i < c; i++) issues.push(await createIssues(company, opts.issuesPerAgent, `cycle C${c} agent ${i + 1}`));
  await touchRuns(agents.slice(0, c));

  const stats = new CallStats();
  const tally = new Tally();
  const next = new Array<number>(c).fill(0);

  const runSlice = async (warmupMs: number, durationMs: number): Promise<void> => {
    let cycles = 0;
    const w = new Window(warmupMs, durationMs, opts.maxIterations);
    // Connections are not left idle between slices, where the server would time them out.
    const { clients, close } = workerClients(c, opts);
    await w.run(c, async (i) => {
      const agent = agents[i];
      const mine = issues[i];
      const client = clients[i];
      const headers = agentHeaders(agent);
      while (w.next()) {
        const issueId = mine[next[i]++ % mine.length];
        const measured = w.measuring;
        const r = await stats.timed('checkout', measured, checkoutCall(client, issueId, agent, headers));
        if (!r) {
          await sleep(5);
          continue;
        }
        if (r.status !== 200) {
          if (measured) stats.errors.add(`checkout ${errorKind(r)}`);
          // Try to return the issue to a clean state so the next round is not poisoned.
          if (r.status === 409) await client.request('POST', `/api/issues/${issueId}/release`, agent.key, undefined, headers).catch(() => undefined);
          if (r.status === 404 || r.status >= 500) await sleep(2);
          continue;
        }
        if ((await stats.release(client, issueId, agent, headers, measured)) && measured) cycles++;
      }
    }).finally(close);
    tally.add(w, cycles);
  };
  return { runSlice, result: () => stats.result('cycle', c, tally) };
}

async function runHot(company: Company, agents: BenchAgent[], c: number, opts: Options): Promise<RunResult> {
  const [issueId] = await createIssues(company, 1, `hot C${c}`);
  await touchRuns(agents.slice(0, c));

  const stats = new CallStats();
  const tally = new Tally();
  let wins = 0;
  let conflicts = 0;
  let cycles = 0;
  let winsTotal = 0; // warm-up included: compared with the audit rows
  const w = new Window(opts.warmupSec * 1000, opts.durationSec * 1000, opts.maxIterations);
  const { clients, close } = workerClients(c, opts);

  await w.run(c, async (i) => {
    const agent = agents[i];
    const client = clients[i];
    const headers = agentHeaders(agent);
    while (w.next()) {
      const measured = w.measuring;
      const r = await stats.timed('checkout', measured, checkoutCall(client, issueId, agent, headers));
      if (!r) {
        await sleep(5);
        continue;
      }
      if (r.status === 409 && r.body?.code === 'checkout_conflict') {
        if (measured) conflicts++;
        continue;
      }
      if (r.status !== 200) {
        if (measured) stats.errors.add(`checkout ${errorKind(r)}`);
        if (r.status === 404 || r.status >= 500) await sleep(2);
        continue;
      }
      winsTotal++;
      if (measured) wins++;
      if ((await stats.release(client, issueId, agent, headers, measured)) && measured) cycles++;
    }
  }).finally(close);

  tally.add(w, cycles);
  const audit = await verifyAudit(issueId);
  return { ...stats.result('hot', c, tally), wins, conflicts, clientWinsTotal: winsTotal, ...audit };
}

/**
 * Replays the ownership audit rows of one issue in commit order (created_at is clock_timestamp(),
 * and the row lock serialises the writers) and counts:
 *  - double owners: a checkout (or an adoption by someone else) while another agent still holds it;
 *  - release mismatches: a release by someone other than the holder, or with no holder.
 */
async function verifyAudit(issueId: string): Promise<{ auditCheckouts: number; doubleOwners: number; releaseMismatches: number; finalState: string }> {
  const pool = env.pool as Pool;
  const rows = await pool.query(
    `SELECT action, actor_id, agent_id, run_id FROM activity_log
      WHERE entity_type = 'issue' AND entity_id = $1
        AND action IN ('issue.checked_out', 'issue.released', 'issue.checkout_lock_adopted', 'issue.admin_force_release')
      ORDER BY created_at, id`,
    [issueId],
  );
  let holder: string | null = null;
  let doubleOwners = 0;
  let releaseMismatches = 0;
  let auditCheckouts = 0;
  for (const row of rows.rows as { action: string; actor_id: string; agent_id: string | null }[]) {
    const actor = row.agent_id ?? row.actor_id;
    switch (row.action) {
      case 'issue.checked_out':
        auditCheckouts++;
        if (holder !== null) doubleOwners++;
        holder = actor;
        break;
      case 'issue.checkout_lock_adopted':
        if (holder !== null && holder !== actor) doubleOwners++;
        holder = actor;
        break;
      case 'issue.released':
        if (holder === null || holder !== actor) releaseMismatches++;
        holder = null;
        break;
      case 'issue.admin_force_release':
        holder = null;
        break;
    }
  }
  const st = await pool.query('SELECT status, assignee_agent_id, checkout_run_id, execution_run_id FROM issues WHERE id = $1', [issueId]);
  const s = st.rows[0];
  const finalState = s ? `${s.status}${s.assignee_agent_id ? ' assigned' : ''}${s.checkout_run_id || s.execution_run_id ? ' locked' : ''}` : 'missing';
  return { auditCheckouts, doubleOwners, releaseMismatches, finalState };
}

// ---------------------------------------------------------------------------------------------
// raw-SQL baseline: the same transaction shapes straight through pg

const RAW_SELECT_ISSUE = `SELECT id, company_id, status, assignee_agent_id, assignee_user_id, checkout_run_id, execution_run_id,
       execution_agent_name_key, execution_locked_at FROM issues WHERE id = $1 FOR UPDATE`;
const RAW_SELECT_RUN = `SELECT status FROM heartbeat_runs WHERE id = $1 FOR SHARE`;
const RAW_CHECKOUT = `UPDATE issues SET status = 'in_progress', assignee_agent_id = $2, checkout_run_id = $3, execution_run_id = $3,
       execution_agent_name_key = $4, execution_locked_at = now(), started_at = now(), updated_at = now() WHERE id = $1`;
const RAW_RELEASE = `UPDATE issues SET status = 'todo', assignee_agent_id = NULL, checkout_run_id = NULL, execution_run_id = NULL,
       execution_agent_name_key = NULL, execution_locked_at = NULL, updated_at = now() WHERE id = $1`;
const RAW_AUDIT = `INSERT INTO activity_log (company_id, actor_type, actor_id, action, entity_type, entity_id, agent_id, run_id, details)
       VALUES ($1, 'agent', $2, $3, 'issue', $4, $5, $6, $7)`;

/** Unnamed statements by default, as the server's driver sends them; --raw-prepared names them. */
let rawPrepared = false;
const rawName = (name: string): string | undefined => (rawPrepared ? name : undefined);

async function rawCheckout(db: PoolClient, companyId: string, a: BenchAgent, issueId: string): Promise<void> {
  await db.query('BEGIN');
  try {
    const issue = await db.query({ name: rawName('raw_sel_issue'), text: RAW_SELECT_ISSUE, values: [issueId] });
    const row = issue.rows[0];
    if (!row) throw new Error('raw: issue missing');
    const run = await db.query({ name: rawName('raw_sel_run'), text: RAW_SELECT_RUN, values: [a.runId] });
    if (run.rows[0]?.status !== 'running') throw new Error('raw: run not live');
    if (row.status !== 'todo' || row.checkout_run_id || row.execution_run_id) throw new Error(`raw: checkout conflict (${row.status})`);
    await db.query({ name: rawName('raw_checkout'), text: RAW_CHECKOUT, values: [issueId, a.id, a.runId, a.name.toLowerCase()] });
    await db.query({ name: rawName('raw_audit'), text: RAW_AUDIT, values: [companyId, a.id, 'issue.checked_out', issueId, a.id, a.runId, JSON.stringify({ agentId: a.id })] });
    await db.query('COMMIT');
  } catch (e) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

async function rawRelease(db: PoolClient, companyId: string, a: BenchAgent, issueId: string): Promise<void> {
  await db.query('BEGIN');
  try {
    const issue = await db.query({ name: rawName('raw_sel_issue'), text: RAW_SELECT_ISSUE, values: [issueId] });
    const row = issue.rows[0];
    if (!row) throw new Error('raw: issue missing');
    const run = await db.query({ name: rawName('raw_sel_run'), text: RAW_SELECT_RUN, values: [a.runId] });
    if (run.rows[0]?.status !== 'running') throw new Error('raw: run not live');
    if (row.assignee_agent_id !== a.id || row.checkout_run_id !== a.runId) throw new Error('raw: not the owner');
    await db.query({ name: rawName('raw_release'), text: RAW_RELEASE, values: [issueId] });
    await db.query({ name: rawName('raw_audit'), text: RAW_AUDIT, values: [companyId, a.id, 'issue.released', issueId, a.id, a.runId, JSON.stringify({ agentId: a.id })] });
    await db.query('COMMIT');
  } catch (e) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

async function rawWorkload(company: Company, agents: BenchAgent[], c: number, opts: Options): Promise<SlicedWorkload<MeasuredRun> & { close(): Promise<void> }> {
  const issues: string[][] = [];
  for (let i = 0; i < c; i++) issues.push(await createIssues(company, opts.issuesPerAgent, `raw C${c} agent ${i + 1}`));
  await touchRuns(agents.slice(0, c));
  const pool = new Pool({ connectionString: (env.db as EmbeddedDatabase).url, max: c });
  pool.on('error', poolError);
  const clients: PoolClient[] = [];
  const close = async () => {
    for (const cl of clients) cl.release();
    await pool.end().catch(() => undefined);
  };
  try {
    for (let i = 0; i < c; i++) clients.push(await pool.connect());
  } catch (e) {
    await close();
    throw e;
  }
  const stats = new CallStats();
  const tally = new Tally();
  const next = new Array<number>(c).fill(0);

  const runSlice = async (warmupMs: number, durationMs: number): Promise<void> => {
    let cycles = 0;
    const w = new Window(warmupMs, durationMs, opts.maxIterations);
    await w.run(c, async (i) => {
      const db = clients[i];
      const a = agents[i];
      const mine = issues[i];
      while (w.next()) {
        const issueId = mine[next[i]++ % mine.length];
        const measured = w.measuring;
        let t = nowMs();
        try {
          await rawCheckout(db, company.id, a, issueId);
        } catch (e) {
          if (measured) stats.errors.add(`raw checkout: ${(e as Error).message}`);
          continue;
        }
        if (measured) stats.latencies.checkout.add(nowMs() - t);
        t = nowMs();
        try {
          await rawRelease(db, company.id, a, issueId);
        } catch (e) {
          if (measured) stats.errors.add(`raw release: ${(e as Error).message}`);
          continue;
        }
        if (measured) {
          stats.latencies.release.add(nowMs() - t);
          cycles++;
        }
      }
    });
    tally.add(w, cycles);
  };
  return { runSlice, result: () => stats.measured(c, tally), close };
}

/**
 * `cycle` and, unless --no-raw, its raw-SQL baseline, interleaved in --slices windows each
 * (API, raw, API, raw, ...) so that both figures of the ratio see the same machine: this VM's
 * speed drifts by 10-20 % over a minute, which two back-to-back runs turned into noise.
 */
async function runCycleWithRaw(company: Company, agents: BenchAgent[], c: number, opts: Options): Promise<RunResult> {
  const api = await cycleWorkload(company, agents, c, opts);
  const raw = opts.raw ? await rawWorkload(company, agents, c, opts) : undefined;
  try {
    const slices = raw ? opts.slices : 1;
    const sliceMs = (opts.durationSec * 1000) / slices;
    // Every window warms up again: the side that waited has gone cold (idle connections, caches).
    for (let slice = 0; slice < slices && !stopRequested; slice++) {
      await api.runSlice(opts.warmupSec * 1000, sliceMs);
      if (raw && !stopRequested) await raw.runSlice(opts.warmupSec * 1000, sliceMs);
    }
  } finally {
    await raw?.close();
  }
  const result = api.result();
  if (raw) {
    result.raw = raw.result();
    result.ratio = result.raw.cyclesPerSec > 0 ? result.cyclesPerSec / result.raw.cyclesPerSec : undefined;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// --profile: which SQL statements one checkout+release cycle costs (pg_stat_statements)

interface ProfileStatement {
  perCycle: number;
  meanMs: number;
  query: string;
}

interface ProfileSide {
  cycles: number;
  wallMsPerCycle: number;
  statementsPerCycle: number;
  dbExecMsPerCycle: number;
  errors: number;
  top: ProfileStatement[];
}

interface ProfileResult {
  api: ProfileSide;
  raw: ProfileSide;
}

async function profileSide(n: number, cycle: () => Promise<boolean>): Promise<ProfileSide> {
  const pool = env.pool as Pool;
  await pool.query('SELECT pg_stat_statements_reset()');
  let errors = 0;
  const t0 = nowMs();
  for (let i = 0; i < n && !stopRequested; i++) if (!(await cycle())) errors++;
  const wall = nowMs() - t0;
  const rows = await pool.query(
    `SELECT query, calls, total_exec_time FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND calls > 0 AND query NOT LIKE '%pg_stat_statements%'
      ORDER BY calls DESC, total_exec_time DESC`,
  );
  let calls = 0;
  let exec = 0;
  const top: ProfileStatement[] = [];
  for (const r of rows.rows as { query: string; calls: string; total_exec_time: number }[]) {
    const c = Number(r.calls);
    calls += c;
    exec += Number(r.total_exec_time);
    if (c >= n / 2) top.push({ perCycle: c / n, meanMs: Number(r.total_exec_time) / c, query: r.query.replace(/\s+/g, ' ').trim() });
  }
  return { cycles: n, wallMsPerCycle: wall / n, statementsPerCycle: calls / n, dbExecMsPerCycle: exec / n, errors, top };
}

async function runProfile(company: Company, agents: BenchAgent[], n: number): Promise<ProfileResult> {
  const api = env.api as Api;
  const agent = agents[0];
  const [apiIssue] = await createIssues(company, 1, 'profile api');
  const [rawIssue] = await createIssues(company, 1, 'profile raw');
  await touchRuns([agent]);
  const headers = agentHeaders(agent);
  const apiCycle = async (): Promise<boolean> => {
    const a = await api.request('POST', `/api/issues/${apiIssue}/checkout`, agent.key, { agentId: agent.id, expectedStatuses: CHECKOUT_STATUSES }, headers);
    const b = await api.request('POST', `/api/issues/${apiIssue}/release`, agent.key, undefined, headers);
    return a.status === 200 && b.status === 200;
  };
  for (let i = 0; i < 20; i++) await apiCycle(); // warm the server's code paths and pools
  const apiSide = await profileSide(n, apiCycle);
  const db = await (env.pool as Pool).connect();
  try {
    const rawCycle = async (): Promise<boolean> => {
      try {
        await rawCheckout(db, company.id, agent, rawIssue);
        await rawRelease(db, company.id, agent, rawIssue);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 20; i++) await rawCycle();
    const rawSide = await profileSide(n, rawCycle);
    return { api: apiSide, raw: rawSide };
  } finally {
    db.release();
  }
}

function printProfile(p: ProfileResult): void {
  console.log('');
  console.log(`profile: ${p.api.cycles} sequential checkout+release cycles, 1 agent, statements from pg_stat_statements`);
  for (const [name, side] of [['api', p.api], ['raw', p.raw]] as const) {
    console.log(
      `  ${name}: ${fmt(side.wallMsPerCycle, 2)} ms/cycle wall, ${fmt(side.statementsPerCycle, 1)} statements/cycle, ` +
        `${fmt(side.dbExecMsPerCycle, 2)} ms/cycle executing in PostgreSQL, ${side.errors} failed cycles`,
    );
  }
  console.log('  api statements (calls per cycle, mean exec ms, query):');
  for (const st of p.api.top) console.log(`    ${fmt(st.perCycle, 2).padStart(5)}  ${fmt(st.meanMs, 3).padStart(7)}  ${st.query.slice(0, 150)}`);
}

// ---------------------------------------------------------------------------------------------
// output

function pad(s: string, n: number, right = false): string {
  return right ? s.padEnd(n) : s.padStart(n);
}

function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i], i === 0)).join('  ');
  console.log('');
  console.log(title);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

function printResults(results: RunResult[], idleRss: number): void {
  const cycle = results.filter((r) => r.scenario === 'cycle');
  const hot = results.filter((r) => r.scenario === 'hot');
  if (cycle.length) {
    printTable(
      `cycle: each agent loops checkout -> release on its own issues (latencies in ms; raw = C pg connections, same transaction shapes, ${rawPrepared ? 'named prepared' : 'unnamed'} statements)`,
      ['C', 'cycles/s', 'co p50', 'co p99', 'rel p50', 'rel p99', 'errors', 'rss MB', 'srv cpu%', 'pg cpu%', 'raw cyc/s', 'raw co p99', 'raw rel p99', 'raw pg cpu%', 'api/raw'],
      cycle.map((r) => [
        String(r.concurrency),
        fmt(r.cyclesPerSec),
        fmt(r.checkout.p50, 2),
        fmt(r.checkout.p99, 2),
        fmt(r.release.p50, 2),
        fmt(r.release.p99, 2),
        String(r.errors),
        fmt(r.rssMb),
        fmt(r.cpu.serverPct, 0),
        fmt(r.cpu.pgPct, 0),
        r.raw ? fmt(r.raw.cyclesPerSec) : '-',
        r.raw ? fmt(r.raw.checkout.p99, 2) : '-',
        r.raw ? fmt(r.raw.release.p99, 2) : '-',
        r.raw ? fmt(r.raw.cpu.pgPct, 0) : '-',
        r.ratio !== undefined ? fmt(r.ratio, 2) : '-',
      ]),
    );
  }
  if (hot.length) {
    printTable(
      'hot: C agents race for one issue, the winner releases (latencies in ms)',
      ['C', 'cycles/s', 'co p50', 'co p99', 'rel p50', 'rel p99', 'errors', 'wins', 'conflicts', 'double owners', 'rel mismatch', 'audit/client co', 'final', 'rss MB', 'srv cpu%', 'pg cpu%'],
      hot.map((r) => [
        String(r.concurrency),
        fmt(r.cyclesPerSec),
        fmt(r.checkout.p50, 2),
        fmt(r.checkout.p99, 2),
        fmt(r.release.p50, 2),
        fmt(r.release.p99, 2),
        String(r.errors),
        String(r.wins),
        String(r.conflicts),
        String(r.doubleOwners),
        String(r.releaseMismatches),
        `${r.auditCheckouts}/${r.clientWinsTotal}`,
        r.finalState ?? '-',
        fmt(r.rssMb),
        fmt(r.cpu.serverPct, 0),
        fmt(r.cpu.pgPct, 0),
      ]),
    );
  }
  const withErrors = results.filter((r) => r.errors > 0 || (r.raw && r.raw.errors > 0));
  if (withErrors.length) {
    console.log('');
    console.log('errors:');
    for (const r of withErrors) {
      if (r.errors) console.log(`  ${r.scenario} C=${r.concurrency}: ${r.errorKinds}`);
      if (r.raw?.errors) console.log(`  raw C=${r.concurrency}: ${r.raw.errorKinds}`);
    }
  }
  const peaks = results.map((r) => r.rssPeakMb).filter(Number.isFinite);
  const peak = peaks.length ? Math.max(...peaks) : NaN;
  console.log('');
  console.log(`server RSS: idle ${fmt(idleRss)} MB, peak (VmHWM) ${fmt(peak)} MB`);
  console.log('cpu%: share of one core used by the server process / by all PostgreSQL processes during the measured window');
  console.log(`load generator (this process): ${results.map((r) => `${r.scenario} C=${r.concurrency} ${fmt(r.cpu.benchPct, 0)}%`).join(', ')}`);
  for (const r of results.filter((x) => x.scenario === 'cycle')) {
    console.log(
      `  cycle C=${r.concurrency}: server ${fmt(r.cpu.serverMsPerCycle, 2)} ms CPU per cycle, PostgreSQL ${fmt(r.cpu.pgMsPerCycle, 2)} ms` +
        (r.raw ? `; raw: PostgreSQL ${fmt(r.raw.cpu.pgMsPerCycle, 2)} ms CPU per cycle` : ''),
    );
  }
}

interface TargetCheck {
  name: string;
  pass: boolean | null;
  detail: string;
}

function checkTargets(results: RunResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const cyc = results.find((r) => r.scenario === 'cycle' && r.concurrency === 16);
  if (cyc) {
    const p99 = Math.max(cyc.checkout.p99, cyc.release.p99);
    checks.push({
      name: 'cycle C=16 api/raw >= 0.5',
      pass: cyc.ratio === undefined ? null : cyc.ratio >= 0.5,
      detail: cyc.ratio === undefined ? 'raw baseline not run' : `${fmt(cyc.ratio, 2)} (${fmt(cyc.cyclesPerSec)} / ${fmt(cyc.raw?.cyclesPerSec ?? NaN)} cycles/s)`,
    });
    checks.push({ name: 'cycle C=16 p99 < 50 ms per call', pass: Number.isFinite(p99) && p99 < 50, detail: `checkout ${fmt(cyc.checkout.p99, 2)} ms, release ${fmt(cyc.release.p99, 2)} ms` });
    checks.push({ name: 'cycle C=16 zero errors', pass: cyc.errors === 0 && cyc.cycles > 0, detail: `${cyc.errors} errors, ${cyc.cycles} cycles` });
  }
  const hot = results.find((r) => r.scenario === 'hot' && r.concurrency === 16);
  if (hot) {
    const p99 = Math.max(hot.checkout.p99, hot.release.p99);
    checks.push({
      name: 'hot C=16 zero double owners',
      pass: hot.doubleOwners === 0 && hot.releaseMismatches === 0 && (hot.auditCheckouts ?? 0) > 0,
      detail: `${hot.doubleOwners} double owners, ${hot.releaseMismatches} release mismatches over ${hot.auditCheckouts} audited checkouts`,
    });
    checks.push({ name: 'hot C=16 p99 < 100 ms per call', pass: Number.isFinite(p99) && p99 < 100, detail: `checkout ${fmt(hot.checkout.p99, 2)} ms, release ${fmt(hot.release.p99, 2)} ms` });
    checks.push({ name: 'hot C=16 zero errors', pass: hot.errors === 0 && hot.wins! > 0, detail: `${hot.errors} errors, ${hot.wins} wins` });
  }
  if (checks.length) {
    console.log('');
    console.log('targets:');
    for (const c of checks) console.log(`  [${c.pass === null ? 'n/a ' : c.pass ? 'PASS' : 'FAIL'}] ${c.name}: ${c.detail}`);
  }
  return checks;
}

const round = (n: number | undefined, d = 2): number | null => (n === undefined || !Number.isFinite(n) ? null : Number(n.toFixed(d)));

function jsonSummary(opts: Options, results: RunResult[], idleRss: number, checks: TargetCheck[], profile?: ProfileResult, load?: { start: number[]; end: number[] }): string {
  const lat = (s: RunResult['checkout']) => ({ n: s.n, p50: round(s.p50), p99: round(s.p99), max: round(s.max) });
  return JSON.stringify({
    bench: 'clasp',
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    durationSec: opts.durationSec,
    warmupSec: opts.warmupSec,
    rawStatements: opts.rawPrepared ? 'prepared' : 'unnamed',
    loadAvgStart: load?.start.map((x) => round(x)),
    loadAvgEnd: load?.end.map((x) => round(x)),
    idleRssMb: round(idleRss, 1),
    results: results.map((r) => ({
      scenario: r.scenario,
      c: r.concurrency,
      cyclesPerSec: round(r.cyclesPerSec, 1),
      checkoutMs: lat(r.checkout),
      releaseMs: lat(r.release),
      errors: r.errors,
      errorKinds: r.errorKinds || undefined,
      rssMb: round(r.rssMb, 1),
      serverCpuPct: round(r.cpu.serverPct, 0),
      pgCpuPct: round(r.cpu.pgPct, 0),
      benchCpuPct: round(r.cpu.benchPct, 0),
      serverCpuMsPerCycle: round(r.cpu.serverMsPerCycle),
      ...(r.scenario === 'hot'
        ? { wins: r.wins, conflicts: r.conflicts, doubleOwners: r.doubleOwners, releaseMismatches: r.releaseMismatches, auditCheckouts: r.auditCheckouts, clientWinsTotal: r.clientWinsTotal }
        : {}),
      ...(r.raw ? { rawCyclesPerSec: round(r.raw.cyclesPerSec, 1), rawCheckoutMs: lat(r.raw.checkout), rawReleaseMs: lat(r.raw.release), rawErrors: r.raw.errors, ratio: round(r.ratio, 3) } : {}),
    })),
    targets: checks.map((c) => ({ name: c.name, pass: c.pass })),
    profile: profile
      ? Object.fromEntries(
          (['api', 'raw'] as const).map((k) => [
            k,
            {
              wallMsPerCycle: round(profile[k].wallMsPerCycle),
              statementsPerCycle: round(profile[k].statementsPerCycle, 1),
              dbExecMsPerCycle: round(profile[k].dbExecMsPerCycle),
            },
          ]),
        )
      : undefined,
  });
}

// ---------------------------------------------------------------------------------------------
// main

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  keepTemp = opts.keep;
  rawPrepared = opts.rawPrepared;
  const maxC = Math.max(...opts.concurrency);
  log(`scenarios ${opts.scenarios.join(',')}, C ${opts.concurrency.join(',')}, ${opts.durationSec} s (+${opts.warmupSec} s warm-up) each`);
  const loadStart = loadavg();
  if (loadStart[0] > 0.5) log(`note: load average is already ${loadStart.map((x) => x.toFixed(2)).join(' ')} (other processes share the CPUs; figures will be lower)`);
  await startEnvironment(opts);
  const idle = readRss(env.server?.pid).rssMb;

  const company = await createCompany();
  const agents = await createAgents(company, maxC, 'bench-agent');
  log(`company ${company.id} (${company.prefix}), ${agents.length} agents with keys and running runs`);

  const results: RunResult[] = [];
  for (const scenario of opts.scenarios) {
    for (const c of opts.concurrency) {
      if (stopRequested) break;
      if (env.serverExited) throw new Error(`server died:\n${env.serverTail.slice(-30).join('\n')}`);
      log(`${scenario} C=${c} ...`);
      const r = scenario === 'cycle' ? await runCycleWithRaw(company, agents, c, opts) : await runHot(company, agents, c, opts);
      log(
        `${scenario} C=${c}: ${fmt(r.cyclesPerSec)} cycles/s, checkout p99 ${fmt(r.checkout.p99, 2)} ms, release p99 ${fmt(r.release.p99, 2)} ms, errors ${r.errors}` +
          (r.raw ? `, raw ${fmt(r.raw.cyclesPerSec)} cycles/s (ratio ${fmt(r.ratio ?? NaN, 2)})` : '') +
          (r.scenario === 'hot' ? `, wins ${r.wins}, conflicts ${r.conflicts}, double owners ${r.doubleOwners}` : '') +
          (r.errors ? ` [${r.errorKinds}]` : ''),
      );
      results.push(r);
    }
  }

  let profile: ProfileResult | undefined;
  if (opts.profile && !stopRequested) {
    log(`profile: ${opts.profile} sequential cycles through the API and through pg ...`);
    profile = await runProfile(company, agents, opts.profile);
  }
  const loadEnd = loadavg();

  console.log('');
  console.log(
    `Clasp bench: ${cpus().length} CPUs, node ${process.version}, ${opts.durationSec} s measured + ${opts.warmupSec} s warm-up per run; ` +
      `server, PostgreSQL and load generator share the machine (load average ${loadStart.map((x) => x.toFixed(2)).join(' ')} at start, ${loadEnd.map((x) => x.toFixed(2)).join(' ')} at end)`,
  );
  printResults(results, idle);
  if (profile) printProfile(profile);
  const checks = checkTargets(results);
  console.log('');
  console.log(`BENCH_JSON ${jsonSummary(opts, results, idle, checks, profile, { start: loadStart, end: loadEnd })}`);
  return checks.some((c) => c.pass === false) ? 1 : 0;
}

// An interrupt does not wait for partial results: stop the server child at once, then the
// database, and let the 'exit' hook below remove what is left.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopRequested) return;
    stopRequested = true;
    console.error(`bench: ${sig}, stopping the server and the database`);
    if (env.server && !env.serverExited) env.server.kill('SIGTERM');
    void cleanup().finally(() => process.exit(130));
  });
}

process.on('exit', () => {
  if (env.server && !env.serverExited) {
    try {
      env.server.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
  if (env.tmp && !keepTemp && existsSync(env.tmp)) {
    try {
      rmSync(env.tmp, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
});

main()
  .then(async (code) => {
    await cleanup();
    process.exit(stopRequested ? 130 : code);
  })
  .catch(async (e: unknown) => {
    if (stopRequested) {
      await cleanup();
      process.exit(130);
    }
    console.error(`bench failed: ${(e as Error)?.stack ?? e}`);
    if (env.serverTail.length) console.error(`last server output:\n${env.serverTail.slice(-20).join('\n')}`);
    await cleanup();
    process.exit(2);
  });
