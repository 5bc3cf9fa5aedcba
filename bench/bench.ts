/*
 * Clasp load benchmark.
 *
 *   npm run bench -- --scenario cycle|hot|read|all [--concurrency 1,4,16] [--duration 10] [--warmup 2]
 *                    [--issues N] [--workers N] [--raw-batched] [--no-raw] [--slices 4] ... (--help)
 *
 * Starts its own embedded PostgreSQL (fresh temp dir, free port), spawns the compiled server
 * (dist/src/main.js) against it, sets up a company, agents, agent keys, live runs and issues, and
 * drives:
 *   cycle: each of C agents loops checkout -> release over its own issues;
 *   hot:   C agents race to check out one issue; whoever wins releases it and keeps racing;
 *   read:  C agents loop over issue reads, list pages, their inbox and an issue's activity.
 * For cycle and read it also runs the API's statements straight through `pg` (the raw floor: one
 * connection per load worker, named statements), alternating with the API in --slices windows,
 * and prints api/raw. --issues N seeds a large data set through SQL first. For hot it replays the audit rows of the hot issue and
 * counts double owners. Everything it started is stopped on exit, error or SIGINT.
 */
import { existsSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Options, parseArgs, ScenarioName } from './cli';
import { readRss } from './cpu';
import { cleanup, env, log, startEnvironment } from './environment';
import { BenchAgent, Company, createAgents, createCompany } from './fixtures';
import { checkTargets, jsonSummary, printProfile, printResults } from './report';
import type { RunResult } from './scenarios/calls';
import { runCycleWithRaw } from './scenarios/cycle';
import { runHot } from './scenarios/hot';
import { runRead } from './scenarios/read';
import { runStreams, StreamsResult, streamsJson, STREAMS_TARGET } from './scenarios/streams';
import { seedIssues } from './seed';
import { ProfileResult, runProfile } from './scenarios/profile';
import { fmt } from './stats';

const SCENARIO_RUNNERS: Record<Exclude<ScenarioName, 'streams'>, (company: Company, agents: BenchAgent[], c: number, opts: Options) => Promise<RunResult>> = {
  cycle: runCycleWithRaw,
  hot: runHot,
  read: runRead,
};

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  env.keepTemp = opts.keep;
  const maxC = Math.max(...opts.concurrency);
  log(`scenarios ${opts.scenarios.join(',')}, C ${opts.concurrency.join(',')}, ${opts.durationSec} s (+${opts.warmupSec} s warm-up) each`);
  const loadStart = loadavg();
  if (loadStart[0] > 0.5) log(`note: load average is already ${loadStart.map((x) => x.toFixed(2)).join(' ')} (other processes share the CPUs; figures will be lower)`);
  await startEnvironment(opts);
  const idle = readRss(env.server?.pid).rssMb;

  const company = await createCompany();
  const agents = await createAgents(company, maxC, 'bench-agent');
  log(`company ${company.id} (${company.prefix}), ${agents.length} agents with keys and running runs`);
  const seed = opts.issues > 0 ? await seedIssues(company, agents, opts) : undefined;

  const results: RunResult[] = [];
  const streamResults: StreamsResult[] = [];
  for (const scenario of opts.scenarios) {
    for (const c of opts.concurrency) {
      if (env.stopRequested) break;
      if (env.serverExited) throw new Error(`server died:\n${env.serverTail.slice(-30).join('\n')}`);
      log(`${scenario} C=${c} ...`);
      if (scenario === 'streams') {
        streamResults.push(await runStreams(company, agents, c, opts));
        continue;
      }
      const r = await SCENARIO_RUNNERS[scenario](company, agents, c, opts);
      const unit = scenario === 'read' ? 'calls' : 'cycles';
      log(
        `${scenario} C=${c}: ${fmt(r.cyclesPerSec)} ${unit}/s, ` +
          (scenario === 'read' ? `p99 ${fmt(r.checkout.p99, 2)} ms over all calls` : `checkout p99 ${fmt(r.checkout.p99, 2)} ms, release p99 ${fmt(r.release.p99, 2)} ms`) +
          `, errors ${r.errors}` +
          (r.raw ? `, raw ${fmt(r.raw.cyclesPerSec)} ${unit}/s (ratio ${fmt(r.ratio ?? NaN, 2)})` : '') +
          (r.rawBatched ? `, raw batched ${fmt(r.rawBatched.cyclesPerSec)} (ratio ${fmt(r.ratioBatched ?? NaN, 2)})` : '') +
          (r.scenario === 'hot' ? `, wins ${r.wins}, conflicts ${r.conflicts}, double owners ${r.doubleOwners}` : '') +
          (r.errors ? ` [${r.errorKinds}]` : ''),
      );
      results.push(r);
    }
  }

  let profile: ProfileResult | undefined;
  if (opts.profile && !env.stopRequested) {
    log(`profile: ${opts.profile} sequential cycles through the API and through pg ...`);
    profile = await runProfile(company, agents, opts.profile, opts.rawBatched);
  }
  const loadEnd = loadavg();

  console.log('');
  console.log(
    `Clasp bench: ${cpus().length} CPUs, node ${process.version}, ${opts.durationSec} s measured + ${opts.warmupSec} s warm-up per run; ` +
      `server, PostgreSQL and load generator share the machine (load average ${loadStart.map((x) => x.toFixed(2)).join(' ')} at start, ${loadEnd.map((x) => x.toFixed(2)).join(' ')} at end)`,
  );
  if (seed) console.log(`data set: ${seed.issues} issues (${seed.bigCompanyIssues} in the bench company) seeded in ${fmt(seed.issueMs / 1000, 1)} s, ${seed.activityRows} activity rows in ${fmt(seed.activityMs / 1000, 1)} s`);
  printResults(results, idle, opts.workers);
  if (profile) printProfile(profile);
  const checks = checkTargets(results);
  console.log('');
  console.log(`BENCH_JSON ${jsonSummary(opts, results, idle, checks, profile, { start: loadStart, end: loadEnd }, seed)}`);
  for (const r of streamResults) console.log(`BENCH_STREAMS_JSON ${streamsJson(r)}`);
  const streamsFailed = streamResults.some((r) => r.concurrency === 16 && !(r.ratio >= STREAMS_TARGET));
  return checks.some((c) => c.pass === false) || streamsFailed ? 1 : 0;
}

// An interrupt does not wait for partial results: stop the server child at once, then the
// database, and let the 'exit' hook below remove what is left.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (env.stopRequested) return;
    env.stopRequested = true;
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
  if (env.tmp && !env.keepTemp && existsSync(env.tmp)) {
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
    process.exit(env.stopRequested ? 130 : code);
  })
  .catch(async (e: unknown) => {
    if (env.stopRequested) {
      await cleanup();
      process.exit(130);
    }
    console.error(`bench failed: ${(e as Error)?.stack ?? e}`);
    if (env.serverTail.length) console.error(`last server output:\n${env.serverTail.slice(-20).join('\n')}`);
    await cleanup();
    process.exit(2);
  });
