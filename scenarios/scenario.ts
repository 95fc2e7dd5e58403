// What a scenario is: a named, seeded experiment that builds a topology in the simulator,
// scripts it in virtual time, and reports an Outcome (named figures) that its expectations
// check. Variants (one loss rate, one NAT pair) are separate scenarios named `family/cell`.
import type { Simulator } from '../runtime-sim/index.ts';

export type OutcomeValue = number | string | boolean;
/** Named figures of one run, printed in the results table and checked by expectations. */
export type Outcome = Record<string, OutcomeValue>;

export interface Expectation {
  readonly name: string;
  /** true when met, otherwise one line saying why not. */
  check(outcome: Outcome): true | string;
}

export interface Scenario {
  /** Unique; `family/cell` for generated variants. */
  readonly name: string;
  readonly description: string;
  /** Suites this scenario belongs to (`default`, `link`, `nat`, …). */
  readonly suites: readonly string[];
  /** Builds the topology on `sim`, runs the script, and reports the outcome. */
  run(sim: Simulator, seed: number): Promise<Outcome> | Outcome;
  readonly expectations: readonly Expectation[];
  /** Outcome keys shown in the results table, in order (default: the first few). */
  readonly figures?: readonly string[];
  /**
   * Takes many seconds of wall time per run (a 16 MiB transfer). The determinism test runs
   * slow scenarios in separate files (always), so the fast shards stay fast.
   */
  readonly slow?: boolean;
  /**
   * Minutes of wall time, or a run kept out of the trace (a 1,000-peer network): too heavy for
   * the always-on determinism files. test/scenarios/determinism-heavy.test.ts checks these,
   * with PEERLAB_HEAVY=1 or PEERLAB_REQUIRE_ALL=1 (CI).
   */
  readonly heavy?: boolean;
}
