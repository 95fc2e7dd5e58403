// Runs scenarios: one (scenario, seed) at a time in a fresh simulator, tracing to a JSONL file
// and/or memory, then checks the expectations. A scenario that throws is a failed run with the
// error recorded, never a crash of the whole suite. The determinism check runs twice and
// compares the trace bytes.
import { join } from 'node:path';
import { Simulator } from '../runtime-sim/index.ts';
import { peerlabVersion } from '../runtime-node/cli/version.ts';
import type { Outcome, Scenario } from './scenario.ts';
import { firstDifference, TraceWriter, type LineMismatch, type TraceSummary } from './trace-writer.ts';

export interface ExpectationFailure {
  readonly expectation: string;
  readonly why: string;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly seed: number;
  readonly passed: boolean;
  readonly outcome: Outcome;
  readonly failures: readonly ExpectationFailure[];
  /** The scenario threw: the message (and the run counts as failed). */
  readonly error?: string;
  readonly trace?: TraceSummary;
  readonly determinism?: DeterminismReport;
  /** Virtual time at the end of the run. */
  readonly sim_ms: number;
  /** Wall-clock time the run took (not part of any trace). */
  readonly wall_ms: number;
  /** The one command that reruns exactly this case. */
  readonly reproduce: string;
}

export interface DeterminismReport {
  readonly identical: boolean;
  readonly sha256: readonly [string, string];
  readonly mismatch?: LineMismatch;
}

export interface RunOptions {
  /** Folder for `<scenario>-<seed>.jsonl`; undefined writes no file. */
  readonly traceDir?: string;
  /** Run twice and compare the trace bytes. */
  readonly checkDeterminism?: boolean;
  /** Arguments the reproduce line needs besides name and seed (`--scenarios 'my/*.ts'`). */
  readonly reproduceArgs?: string;
}

/** The trace file name of one run; `/` in family names becomes `.` to keep one flat folder. */
export function traceFileName(scenario: string, seed: number): string {
  return `${scenario.replaceAll('/', '.')}-${seed}.jsonl`;
}

export function reproduceCommand(scenario: string, seed: number, extraArgs?: string): string {
  return `peerlab run ${scenario} --seed ${seed}${extraArgs ? ` ${extraArgs}` : ''}`;
}

interface SingleRun {
  readonly outcome: Outcome;
  readonly error?: string;
  readonly trace?: TraceSummary;
  readonly lines?: readonly string[];
  readonly sim_ms: number;
}

async function runOnce(scenario: Scenario, seed: number, path: string | undefined, keepLines: boolean): Promise<SingleRun> {
  // With neither a file nor a comparison to feed, tracing stays off (the faster path).
  const writer = path || keepLines ? new TraceWriter({ path, keepLines }) : undefined;
  let outcome: Outcome = {};
  let error: string | undefined;
  let sim_ms = 0;
  try {
    // runtime-sim may not read package.json (no node: imports), so the header's version is
    // stamped here from the installed package.
    const version = peerlabVersion();
    const sink = writer && {
      write: (record: { kind: string }) => writer.write(record.kind === 'run' ? { ...record, peerlab: version } : record),
    };
    const sim = new Simulator({ seed, trace: sink, scenario: scenario.name });
    try {
      outcome = await scenario.run(sim, seed);
    } finally {
      sim_ms = sim.now;
    }
  } catch (thrown) {
    error = thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown);
  }
  const trace = writer?.close();
  return { outcome, error, ...(trace ? { trace } : {}), lines: writer?.lines, sim_ms };
}

function checkExpectations(scenario: Scenario, outcome: Outcome): ExpectationFailure[] {
  const failures: ExpectationFailure[] = [];
  for (const expectation of scenario.expectations) {
    let verdict: true | string;
    try {
      verdict = expectation.check(outcome);
    } catch (thrown) {
      verdict = `the check threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`;
    }
    if (verdict !== true) failures.push({ expectation: expectation.name, why: verdict });
  }
  return failures;
}

export async function runScenario(scenario: Scenario, seed: number, options: RunOptions = {}): Promise<ScenarioResult> {
  const started = performance.now();
  const path = options.traceDir ? join(options.traceDir, traceFileName(scenario.name, seed)) : undefined;
  const first = await runOnce(scenario, seed, path, options.checkDeterminism === true);
  let determinism: DeterminismReport | undefined;
  if (options.checkDeterminism) {
    const second = await runOnce(scenario, seed, undefined, true);
    const a = first.trace?.sha256 ?? '';
    const b = second.trace?.sha256 ?? '';
    const mismatch = a === b ? undefined : firstDifference(first.lines ?? [], second.lines ?? []);
    determinism = {
      identical: a === b,
      sha256: [a, b],
      ...(mismatch ? { mismatch } : {}),
    };
  }
  const failures = first.error ? [] : checkExpectations(scenario, first.outcome);
  if (determinism && !determinism.identical) {
    const where = determinism.mismatch;
    failures.push({
      expectation: 'deterministic trace',
      why: where
        ? `runs differ at line ${where.line}: ${JSON.stringify(where.first ?? '<end>').slice(0, 300)} vs ${JSON.stringify(where.second ?? '<end>').slice(0, 300)}`
        : `trace hashes differ (after the ${first.lines?.length ?? 0} lines kept in memory)`,
    });
  }
  return {
    scenario: scenario.name,
    seed,
    passed: first.error === undefined && failures.length === 0,
    outcome: first.outcome,
    failures,
    ...(first.error ? { error: first.error } : {}),
    ...(first.trace ? { trace: first.trace } : {}),
    ...(determinism ? { determinism } : {}),
    sim_ms: first.sim_ms,
    wall_ms: performance.now() - started,
    reproduce: reproduceCommand(scenario.name, seed, options.reproduceArgs) + (options.checkDeterminism ? ' --check-determinism' : ''),
  };
}
