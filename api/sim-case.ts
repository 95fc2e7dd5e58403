// One seeded simulation checked the way `peerlab run` checks a scenario, for a user's own test
// runner: a fresh Simulator tracing to memory, the user's body (build a topology, run machines,
// assert), the contract checker on every machine (the simulator's driver), then the same seed
// again and the two traces compared byte for byte. A failing case writes its trace to a file
// and its error names the trace and the one line that reproduces it.
import { join } from 'node:path';
import { Simulator } from '../runtime-sim/index.ts';
import { firstDifference, TraceWriter, type TraceSummary } from '../scenarios/trace-writer.ts';
import { traceFileName } from '../scenarios/runner.ts';
import { peerlabVersion } from '../runtime-node/cli/version.ts';

/** The body of a case: build, run (sim.runUntil / runFor / runUntilIdle) and assert. */
export type SimBody = (sim: Simulator, seed: number) => void | Promise<void>;

export interface SimCaseOptions {
  /** Where a failing case's trace goes (default 'traces', relative to the working directory). */
  readonly traceDir?: string;
  /** Run the seed twice and compare the traces (default true). */
  readonly checkDeterminism?: boolean;
  /** The command that reruns this case, for the failure message (default: a `peerlab` hint). */
  readonly reproduce?: string;
}

export interface SimCaseResult {
  readonly name: string;
  readonly seed: number;
  readonly passed: boolean;
  /** What failed: the body's error, a contract violation, or the determinism check. */
  readonly error?: unknown;
  /** The first run's trace (with its path when it was written). */
  readonly trace: TraceSummary;
  /** true/false when checked, undefined when the first run already failed or it was off. */
  readonly deterministic?: boolean;
  readonly reproduce: string;
  /** The whole failure text (error, trace path, reproduce line); undefined when passed. */
  readonly report?: string;
}

/** Thrown (by checkSim and simTest) when a case fails; `result` has the details. */
export class SimCaseFailure extends Error {
  override readonly name = 'SimCaseFailure';
  constructor(readonly result: SimCaseResult) {
    super(result.report ?? `${result.name} seed ${result.seed} failed`, { cause: result.error });
  }
}

interface Run {
  readonly error?: unknown;
  readonly failed: boolean;
  readonly writer: TraceWriter;
}

async function runOnce(name: string, seed: number, body: SimBody): Promise<Run> {
  const writer = new TraceWriter({ keepLines: true });
  const version = peerlabVersion();
  const sink = { write: (record: { kind: string }) => writer.write(record.kind === 'run' ? { ...record, peerlab: version } : record) };
  try {
    const sim = new Simulator({ seed, trace: sink, scenario: name });
    await body(sim, seed);
    return { failed: false, writer };
  } catch (error) {
    return { failed: true, error, writer };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}

/** Runs one case (twice when checking determinism) and reports; never throws for a failing case. */
export async function runSimCase(name: string, seed: number, body: SimBody, options: SimCaseOptions = {}): Promise<SimCaseResult> {
  const reproduce = options.reproduce ?? `seed ${seed} of ${JSON.stringify(name)}`;
  const first = await runOnce(name, seed, body);
  let error = first.error;
  let failed = first.failed;
  let deterministic: boolean | undefined;
  let mismatch = '';
  if (!failed && options.checkDeterminism !== false) {
    const second = await runOnce(name, seed, body);
    const a = first.writer.close().sha256;
    const b = second.writer.close().sha256;
    deterministic = a === b && !second.failed;
    if (!deterministic) {
      failed = true;
      const where = firstDifference(first.writer.lines ?? [], second.writer.lines ?? []);
      mismatch = second.failed
        ? `the second run of the same seed failed: ${describe(second.error)}`
        : `the same seed gave two different traces${where ? `; first difference at line ${where.line}:\n  run 1: ${(where.first ?? '<end>').slice(0, 300)}\n  run 2: ${(where.second ?? '<end>').slice(0, 300)}` : ''}`;
      error = new Error(`not deterministic: ${mismatch}`);
    }
  }
  let trace = first.writer.close();
  if (!failed) return { name, seed, passed: true, trace, ...(deterministic !== undefined ? { deterministic } : {}), reproduce };
  // Write the failing run's trace: the lines kept in memory, re-hashed into a file.
  const path = join(options.traceDir ?? 'traces', traceFileName(name.replace(/[^A-Za-z0-9._/+-]+/g, '-'), seed));
  const file = new TraceWriter({ path });
  for (const line of first.writer.lines ?? []) file.writeLine(line);
  trace = file.close();
  const report = [
    `${name} failed at seed ${seed}: ${mismatch ? `not deterministic: ${mismatch}` : describe(error)}`,
    `  trace:     ${path}   (view: npx peerlab viz ${path})`,
    `  reproduce: ${reproduce}`,
  ].join('\n');
  return { name, seed, passed: false, error, trace, ...(deterministic !== undefined ? { deterministic } : {}), reproduce, report };
}

/** runSimCase, throwing a SimCaseFailure (trace path and reproduce line in its message) when the case fails. */
export async function checkSim(name: string, seed: number, body: SimBody, options: SimCaseOptions = {}): Promise<SimCaseResult> {
  const result = await runSimCase(name, seed, body, options);
  if (!result.passed) throw new SimCaseFailure(result);
  return result;
}
