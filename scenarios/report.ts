// Cross-scenario summaries. Some suites mean more than their rows: the nat-matrix suite
// prints a matrix with success rates over seeds. A SuiteReport renders text from every result
// of its suite's scenarios; `peerlab run` prints it under the table (and puts it in --json).
import type { ScenarioResult } from './runner.ts';

export interface SuiteReport {
  /** The suite whose scenarios' results this report reads. */
  readonly suite: string;
  /** Text printed under the results table; undefined prints nothing. */
  render(results: readonly ScenarioResult[]): string | undefined;
}
