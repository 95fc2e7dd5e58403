// peerlab/scenario: writing scenarios, the seeded experiments `peerlab run` executes. A
// scenario builds a topology on the Simulator it is given, scripts it in virtual time and
// returns an Outcome (named figures); its expectations check the figures. Export scenarios
// from any file and run them with `peerlab run --scenarios 'path/*.ts'`, or run one from
// code with runScenario (the same runner, traces and determinism check as the CLI).
import type { Simulator } from '../runtime-sim/index.ts';
import type { Expectation, Outcome, Scenario } from '../scenarios/scenario.ts';

export type { Scenario, Outcome, OutcomeValue, Expectation } from '../scenarios/scenario.ts';
export { equal, atLeast, atMost, between, near, holds } from '../scenarios/expect.ts';
export { runScenario, traceFileName, reproduceCommand } from '../scenarios/runner.ts';
export type { ScenarioResult, ExpectationFailure, DeterminismReport, RunOptions } from '../scenarios/runner.ts';
export type { TraceSummary } from '../scenarios/trace-writer.ts';
export { junitXml } from '../scenarios/junit.ts';
export type { JunitOptions } from '../scenarios/junit.ts';

export interface ScenarioSpec {
  /** Unique among every scenario a run loads (the built-ins too); `family/cell` for variants. */
  readonly name: string;
  readonly description?: string;
  /** Suites to select it by (`peerlab run <suite>`); default none. */
  readonly suites?: readonly string[];
  run(sim: Simulator, seed: number): Promise<Outcome> | Outcome;
  readonly expectations?: readonly Expectation[];
  /** Outcome keys shown in the results table, in order. */
  readonly figures?: readonly string[];
}

/** A Scenario with the optional parts filled in (description '', no suites, no expectations). */
export function defineScenario(spec: ScenarioSpec): Scenario {
  return {
    name: spec.name,
    description: spec.description ?? '',
    suites: spec.suites ?? [],
    run: (sim, seed) => spec.run(sim, seed),
    expectations: spec.expectations ?? [],
    ...(spec.figures ? { figures: spec.figures } : {}),
  };
}
