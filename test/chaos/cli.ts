import { writeFileSync } from 'node:fs';
import { formatReport, passed } from './chaos-report';
import { DEFAULT_OPTIONS, runChaos } from './run-chaos';

const HELP = `npm run chaos -- [--minutes N] [--max-requests N] [--agents N] [--json FILE]
  Three Clasp server processes on one PostgreSQL (all on 127.0.0.1), agents looping checkout → PATCH → comment → release,
  one fault at a time: SIGKILL of a process, PostgreSQL restarted fast and immediate, pg_terminate_backend, SIGSTOP past
  LOCK_TIMEOUT_MS. Invariants are checked in SQL after every fault and at the end. Exits 1 on any violation, any 5xx other
  than 503 database_unavailable during a database fault, or service back later than PostgreSQL-ready + 5 s.
  --minutes N       how long the load runs (default 10)
  --max-requests N  stop after this many agent requests (default ${DEFAULT_OPTIONS.maxRequests})
  --agents N        agents with live runs (default ${DEFAULT_OPTIONS.agents})
  --json FILE       also write the whole report, every fault with its timings, as JSON`;

function parse(argv: string[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    if (name === 'help' || name === 'h') args.help = 'true';
    else args[name] = argv[++i];
  }
  return args;
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  if (args.help) return void console.log(HELP);
  const minutes = Number(args.minutes ?? 10);
  if (!(minutes > 0)) throw new Error('--minutes must be a positive number');
  const report = await runChaos({
    ...DEFAULT_OPTIONS,
    durationMs: Math.round(minutes * 60_000),
    maxRequests: Number(args['max-requests'] ?? DEFAULT_OPTIONS.maxRequests),
    agents: Number(args.agents ?? DEFAULT_OPTIONS.agents),
    log: (line) => console.log(`[${new Date().toISOString()}] ${line}`),
  });
  console.log(formatReport(report));
  if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 2));
  process.exitCode = passed(report) ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(`chaos failed: ${(error as Error)?.stack ?? error}`);
  process.exit(1);
});
