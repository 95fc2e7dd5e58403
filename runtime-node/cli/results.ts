// Turns scenario results into the `peerlab run` report: one table row per scenario (seeds,
// pass/fail, key figures averaged over seeds), failure lines with the command that
// reproduces each, and the JSON summary object.
import type { Outcome, Scenario } from '../../scenarios/scenario.ts';
import type { ScenarioResult } from '../../scenarios/runner.ts';
import { formatNumber, renderTable, type Cell } from './table.ts';

/** Figures shown per row when a scenario does not choose its own. */
const DEFAULT_FIGURES_MAX = 4;
/** Failure details printed before the rest are summarised as a count. */
const FAILURE_LINES_MAX = 20;

function figureKeys(scenario: Scenario, outcome: Outcome): string[] {
  return scenario.figures ? [...scenario.figures] : Object.keys(outcome).slice(0, DEFAULT_FIGURES_MAX);
}

/** One figure across seeds: numbers as their mean (NaN ignored), other values when all agree. */
function combine(values: readonly Outcome[keyof Outcome][]): string {
  const present = values.filter((value) => value !== undefined);
  if (present.length === 0) return '-';
  if (present.every((value) => typeof value === 'number')) {
    const finite = (present as number[]).filter((value) => !Number.isNaN(value));
    if (finite.length === 0) return '-';
    return formatNumber(finite.reduce((sum, value) => sum + value, 0) / finite.length);
  }
  const texts = new Set(present.map(String));
  return texts.size === 1 ? [...texts][0]! : `mixed(${texts.size})`;
}

export function resultsTable(scenarios: readonly Scenario[], results: readonly ScenarioResult[]): string {
  const rows: Cell[][] = [];
  for (const scenario of scenarios) {
    const mine = results.filter((result) => result.scenario === scenario.name);
    if (mine.length === 0) continue;
    const passed = mine.filter((result) => result.passed).length;
    const keys = figureKeys(scenario, mine[0]!.outcome);
    const figures = keys.map((key) => `${key}=${combine(mine.map((result) => result.outcome[key]))}`).join(' ');
    const seeds = mine.length === 1 ? String(mine[0]!.seed) : `${mine[0]!.seed}..${mine.at(-1)!.seed}`;
    const verdict = passed === mine.length ? 'pass' : `FAIL ${mine.length - passed}/${mine.length}`;
    const wall_ms = mine.reduce((sum, result) => sum + result.wall_ms, 0);
    rows.push([scenario.name, seeds, verdict, Math.round(wall_ms), figures]);
  }
  return renderTable(
    [
      { title: 'scenario' },
      { title: 'seeds' },
      { title: 'result' },
      { title: 'ms', align: 'right' },
      { title: mineLabel(results) },
    ],
    rows,
  );
}

function mineLabel(results: readonly ScenarioResult[]): string {
  const seeds = new Set(results.map((result) => result.seed));
  return seeds.size > 1 ? 'figures (mean over seeds)' : 'figures';
}

/** Lines naming each failed run, why, and how to rerun it. */
export function failureLines(results: readonly ScenarioResult[]): string[] {
  const failed = results.filter((result) => !result.passed);
  const lines: string[] = [];
  for (const result of failed.slice(0, FAILURE_LINES_MAX)) {
    if (result.error) lines.push(`FAIL ${result.scenario} seed ${result.seed}: threw ${result.error.split('\n')[0]}`);
    for (const failure of result.failures) {
      lines.push(`FAIL ${result.scenario} seed ${result.seed}: ${failure.expectation}: ${failure.why}`);
    }
    lines.push(`  reproduce: ${result.reproduce}`);
  }
  if (failed.length > FAILURE_LINES_MAX) lines.push(`... and ${failed.length - FAILURE_LINES_MAX} more failed runs`);
  return lines;
}

export interface RunSummary {
  readonly peerlab: string;
  readonly target: string;
  readonly seeds: readonly number[];
  readonly passed: boolean;
  readonly runs: number;
  readonly failed: number;
  readonly results: readonly ScenarioResult[];
  readonly reports: ReadonlyArray<{ readonly suite: string; readonly text: string }>;
}

/** JSON with NaN and infinities as null (JSON has no spelling for them). */
export function summaryJson(summary: RunSummary): string {
  return JSON.stringify(summary, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? null : value,
  );
}
