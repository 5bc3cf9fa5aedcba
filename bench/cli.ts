// Command-line options of the bench (see usage()).

export type ScenarioName = 'cycle' | 'hot' | 'read';
const SCENARIOS: ScenarioName[] = ['cycle', 'hot', 'read'];

export interface Options {
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
  /** Also run the floor on the server's PiggybackClient (BEGIN and both locks in one round trip, as the API). */
  rawBatched: boolean;
  /** Issues seeded through SQL before the scenarios (1 big company, 200 small ones); 0: none. */
  issues: number;
  /** activity_log rows seeded per seeded issue, and the cap on all of them. */
  activityPerIssue: number;
  activityMax: number;
  /** WORKERS of the server under test. */
  workers: number;
  /** LOG_LEVEL of the server under test: warn (default) writes no access lines, info one JSON line per request. */
  logLevel: 'warn' | 'info';
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
    '  --scenario cycle|hot|read|all  comma list or all (cycle,hot,read), default all',
    '  --concurrency 1,4,16           comma list of C values, default 1,4,16',
    '  --duration <s>                 measured seconds per run, default 10',
    '  --warmup <s>                   unmeasured seconds before each run (each slice), default 2',
    '  --issues-per-agent <n>         cycle: issues each agent rotates over, default 4',
    '  --max-iterations <n>           cap on cycles (or hot attempts) per run, default 1000000',
    '  --no-raw                       skip the raw-SQL baseline',
    '  --node-http                    load workers use node:http (default: one lean keep-alive connection each)',
    '  --slices <n>                   cycle, read: alternate API and raw in n windows each (duration/n s), default 4',
    '  --raw-batched                  also the raw floor on PiggybackClient (BEGIN + locks in one round trip)',
    '  --issues <n>                   seed n issues through SQL first (90 % in the bench company, the rest in 200 small ones)',
    '  --activity-per-issue <n>       activity_log rows seeded per seeded issue, default 10',
    '  --activity-max <n>             cap on all seeded activity rows, default 1000000',
    '  --workers <n>                  WORKERS of the server under test, default 1',
    '  --log-level warn|info          LOG_LEVEL of the server: info writes one JSON access line per request, default warn (none)',
    '  --keep                         keep the temp dir (database files)',
    '  --profile [n]                  also count the SQL statements of n sequential API and raw cycles',
    '                                 (pg_stat_statements; default n = 200)',
    '  --cpu-prof <dir>               write a CPU profile of the server to <dir> (open it in Chrome DevTools)',
    '  --verbose                      echo server output',
  ].join('\n');
}

export function parseArgs(argv: string[]): Options {
  const o: Options = {
    scenarios: [...SCENARIOS],
    concurrency: [1, 4, 16],
    durationSec: 10,
    warmupSec: 2,
    issuesPerAgent: 4,
    maxIterations: 1_000_000,
    raw: true,
    verbose: false,
    keep: false,
    profile: 0,
    rawBatched: false,
    issues: 0,
    activityPerIssue: 10,
    activityMax: 1_000_000,
    workers: 1,
    logLevel: 'warn',
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
        const names = v === 'all' ? SCENARIOS : v.split(',').map((x) => x.trim());
        if (!names.length || names.some((x) => !SCENARIOS.includes(x as ScenarioName))) throw new Error(`--scenario must be cycle, hot, read (comma list) or all\n${usage()}`);
        o.scenarios = names as ScenarioName[];
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
      case '--log-level': {
        const v = value();
        if (v !== 'warn' && v !== 'info') throw new Error(`--log-level must be warn or info\n${usage()}`);
        o.logLevel = v;
        break;
      }
      case '--raw-batched':
        o.rawBatched = true;
        break;
      case '--issues':
        o.issues = Math.floor(num(value(), 0));
        break;
      case '--activity-per-issue':
        o.activityPerIssue = Math.floor(num(value(), 0));
        break;
      case '--activity-max':
        o.activityMax = Math.floor(num(value(), 0));
        break;
      case '--workers':
        o.workers = Math.floor(num(value(), 1));
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
