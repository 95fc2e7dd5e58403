// `peerlab run <scenario|suite> [--seed N | --seeds A..B] [--trace DIR | --no-trace] [--json]
// [--check-determinism] [--scenarios GLOB] [--junit FILE] [--shard i/n]`: runs scenarios in
// the simulator (built-in ones and a user's own files), prints a results table, and exits 1
// when an expectation fails, printing the line that reproduces it.
import { registry as defaultRegistry } from '../../../scenarios/index.ts';
import type { ScenarioRegistry } from '../../../scenarios/registry.ts';
import { RegistryError } from '../../../scenarios/registry.ts';
import { runScenario, traceFileName, type ScenarioResult } from '../../../scenarios/runner.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { junitXml } from '../../../scenarios/junit.ts';
import type { Scenario } from '../../../scenarios/scenario.ts';
import { expandGlob, loadScenarioFiles, ScenarioFileError } from '../../../scenarios/scenario-files.ts';
import { booleanFlag, parseArgs, parseSeed, parseSeedRange, parseShard, stringFlag } from '../args.ts';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../command.ts';
import { ProgressBar, type ProgressStream } from '../progress.ts';
import { failureLines, resultsTable, summaryJson } from '../results.ts';
import { peerlabVersion } from '../version.ts';

/** Where traces go unless --trace or --no-trace says otherwise. */
export const DEFAULT_TRACE_DIR = 'traces';
/** Above this many runs, traces are off by default (100 seeds x a suite would fill a disk). */
export const DEFAULT_TRACE_RUNS_MAX = 100;

const usage = `usage: peerlab run <scenario|suite>... [options]

Runs scenarios in the simulator and prints a results table.

options:
  --seed N              run seed N (default 1)
  --seeds A..B          run every seed from A to B inclusive
  --trace DIR           write DIR/<scenario>-<seed>.jsonl (default ${DEFAULT_TRACE_DIR}/ for up to ${DEFAULT_TRACE_RUNS_MAX} runs)
  --no-trace            write no trace files
  --json                print one JSON object with every result as the last stdout line
  --check-determinism   run each case twice and compare the trace bytes (sha256)
  --scenarios GLOB      also load the scenarios exported by these files ('my/scenarios/*.ts',
                        ** for any depth; files may also be named as arguments); with no
                        scenario or suite named, run every scenario they export
  --junit FILE          write a JUnit XML report (one testcase per scenario and seed)
  --shard i/n           run only the i-th of n interleaved slices of the (scenario, seed) runs

Exits 0 when every expectation holds, 1 when one fails, 2 on a usage error.
See scenarios and suites with: peerlab list`;

const OPTIONS = {
  seed: 'string',
  seeds: 'string',
  trace: 'string',
  'no-trace': 'boolean',
  json: 'boolean',
  'check-determinism': 'boolean',
  scenarios: 'string',
  junit: 'string',
  shard: 'string',
} as const;

/** A positional that names a scenario file rather than a scenario (names never end so). */
const SCENARIO_FILE = /\.[mc]?[jt]s$/;

/** A shell word for a path in a reproduce line (quoted when it holds anything but plain characters). */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_./+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

interface UserScenarios {
  readonly registry: ScenarioRegistry;
  readonly scenarios: readonly Scenario[];
  /** Scenario name -> the `--scenarios FILE` its reproduce line needs. */
  readonly reproduceArgs: ReadonlyMap<string, string>;
}

/** Loads the user's scenario files (a glob and/or file arguments) into a registry beside the built-ins. */
async function withUserScenarios(registry: ScenarioRegistry, glob: string | undefined, files: readonly string[]): Promise<UserScenarios> {
  const paths = [...(glob !== undefined ? expandGlob(glob) : []), ...files.flatMap((file) => expandGlob(file))];
  if (glob !== undefined && paths.length === 0) throw new UsageError(`--scenarios ${glob} matches no file`);
  if (paths.length === 0) return { registry, scenarios: [], reproduceArgs: new Map() };
  let loaded;
  try {
    loaded = await loadScenarioFiles([...new Set(paths)]);
  } catch (error) {
    if (error instanceof ScenarioFileError) throw new UsageError(error.message);
    throw error;
  }
  const scenarios = loaded.flatMap((file) => file.scenarios);
  const reproduceArgs = new Map(loaded.flatMap((file) => file.scenarios.map((s) => [s.name, `--scenarios ${shellWord(relative(process.cwd(), file.path) || file.path)}`] as const)));
  try {
    return { registry: registry.with(scenarios), scenarios, reproduceArgs };
  } catch (error) {
    if (error instanceof RegistryError) throw new UsageError(`${error.message} (a scenario file reuses a name)`);
    throw error;
  }
}

export interface RunDeps {
  readonly registry: ScenarioRegistry;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly progress: ProgressStream;
}

export async function runCommand(args: readonly string[], deps: RunDeps): Promise<number> {
  const parsed = parseArgs(args, OPTIONS);
  const files = parsed.positionals.filter((word) => SCENARIO_FILE.test(word));
  const targets = parsed.positionals.filter((word) => !SCENARIO_FILE.test(word));
  const glob = stringFlag(parsed, 'scenarios');
  if (targets.length === 0 && files.length === 0 && glob === undefined) throw new UsageError('name a scenario or suite (peerlab list shows them)');
  const shard = parseShard(stringFlag(parsed, 'shard'));
  const seedText = stringFlag(parsed, 'seed');
  const seedsText = stringFlag(parsed, 'seeds');
  if (seedText !== undefined && seedsText !== undefined) throw new UsageError('give --seed or --seeds, not both');
  const seeds = seedsText !== undefined ? parseSeedRange(seedsText) : [seedText !== undefined ? parseSeed(seedText) : 1];
  const traceFlag = stringFlag(parsed, 'trace');
  if (traceFlag !== undefined && booleanFlag(parsed, 'no-trace')) throw new UsageError('give --trace or --no-trace, not both');

  const user = await withUserScenarios(deps.registry, glob, files);
  const scenarios = targets.length === 0 ? [...user.scenarios] : [];
  for (const target of targets) {
    try {
      scenarios.push(...user.registry.resolve(target));
    } catch (error) {
      if (error instanceof RegistryError) throw new UsageError(error.message);
      throw error;
    }
  }
  const unique = [...new Map(scenarios.map((scenario) => [scenario.name, scenario])).values()];
  // Every (scenario, seed) case in order; a shard keeps every n-th, so shards stay balanced.
  const cases = unique.flatMap((scenario) => seeds.map((seed) => ({ scenario, seed }))).filter((_, i) => i % shard.count === shard.index - 1);
  const runs = cases.length;
  let traceDir = traceFlag;
  if (traceDir === undefined && !booleanFlag(parsed, 'no-trace')) {
    if (runs <= DEFAULT_TRACE_RUNS_MAX) traceDir = DEFAULT_TRACE_DIR;
    else deps.err(`peerlab run: ${runs} runs, so no trace files by default (use --trace DIR to keep them)`);
  }
  const checkDeterminism = booleanFlag(parsed, 'check-determinism');

  const progress = runs > 1 ? new ProgressBar(runs, 'running', deps.progress) : undefined;
  const results: ScenarioResult[] = [];
  for (const { scenario, seed } of cases) {
    const reproduceArgs = user.reproduceArgs.get(scenario.name);
    const result = await runScenario(scenario, seed, { traceDir, checkDeterminism, ...(reproduceArgs ? { reproduceArgs } : {}) });
    results.push(result);
    progress?.tick(`${scenario.name} seed ${seed}`);
  }
  progress?.finish();
  const junit = stringFlag(parsed, 'junit');
  if (junit !== undefined) {
    mkdirSync(dirname(junit), { recursive: true });
    writeFileSync(junit, junitXml(results));
  }

  const failed = results.filter((result) => !result.passed);
  deps.out(resultsTable(unique, results));
  deps.out('');
  const determinism = checkDeterminism
    ? `, determinism ${results.filter((result) => result.determinism?.identical).length}/${runs} identical`
    : '';
  const sharded = shard.count > 1 ? ` (shard ${shard.index}/${shard.count})` : '';
  deps.out(`${runs - failed.length}/${runs} runs passed${sharded}${determinism}${traceDir ? `; traces in ${traceDir}/` : ''}${junit !== undefined ? `; JUnit in ${junit}` : ''}`);
  const reports = user.registry.renderReports(results);
  for (const report of reports) deps.out(`\n${report.text}`);
  for (const line of failureLines(results)) deps.out(line);
  // `npm start` ends by saying where to go from here
  if (parsed.positionals.includes('default') && !booleanFlag(parsed, 'json')) for (const line of nextSteps(unique.map((s) => s.name), traceDir)) deps.out(line);
  if (booleanFlag(parsed, 'json')) {
    deps.out(
      summaryJson({
        peerlab: peerlabVersion(),
        target: parsed.positionals.join(' '),
        seeds,
        passed: failed.length === 0,
        runs,
        failed: failed.length,
        results,
        reports,
      }),
    );
  }
  return failed.length === 0 ? EXIT_OK : EXIT_FAILED;
}

export const command: CliCommand = {
  name: 'run',
  summary: 'run scenarios or suites in the simulator: peerlab run default --seeds 1..10',
  usage,
  run: (args) =>
    runCommand(args, {
      registry: defaultRegistry,
      out: (line) => void process.stdout.write(`${line}\n`),
      err: (line) => void process.stderr.write(`${line}\n`),
      progress: process.stderr,
    }),
};

/** The closing lines of the default suite: open a trace, run more, read the docs. */
function nextSteps(scenarios: readonly string[], traceDir: string | undefined): string[] {
  const example = scenarios.find((name) => name.startsWith('nat-matrix/')) ?? scenarios[0];
  const trace = traceDir !== undefined && example !== undefined ? join(traceDir, traceFileName(example, 1)) : 'traces/<run>.jsonl';
  return [
    '',
    'next:',
    `  see a run       peerlab viz ${trace}   (punch, NAT drops explained, transport charts)`,
    '  run a suite     peerlab list;  peerlab run nat-matrix;  peerlab run transfer',
    '  real sockets    peerlab connect --help',
    '  read            README.md, docs/design.md, docs/trace-format.md',
  ];
}
