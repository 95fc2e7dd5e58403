// Shrinks a failing seed's fault schedule to a minimal one by delta debugging (Zeller's ddmin)
// over its entries: drop chunks of entries, keep any smaller schedule that still fails the
// same way (same violation kind), refine the granularity until no single entry can go; then
// narrow each remaining adversary to a single action if one suffices. The topology and
// workload stay those of the seed, so the result reads "this seed, with only these faults,
// still breaks".
import type { Plan, ScheduleEntry } from './plan.ts';
import { runPlan, type RunResult } from './run.ts';
import type { ViolationKind } from './violation.ts';

/** Re-runs one shrink may spend. */
export const shrink_runs_max = 64;

export interface ShrinkResult {
  readonly schedule: readonly ScheduleEntry[];
  /** The failure of the minimal schedule. */
  readonly result: RunResult;
  readonly runs: number;
  readonly from_entries: number;
}

export function shrinkSchedule(plan: Plan, failure: RunResult, runs_max = shrink_runs_max, run: (plan: Plan) => RunResult = runPlan): ShrinkResult {
  const kind: ViolationKind | undefined = failure.violation?.kind;
  let best = [...plan.schedule];
  let bestResult = failure;
  let runs = 0;
  const stillFails = (schedule: ScheduleEntry[]): RunResult | undefined => {
    runs++;
    const r = run({ ...plan, schedule });
    return !r.ok && r.violation?.kind === kind ? r : undefined;
  };
  // The empty schedule first: many bugs need no fault at all.
  if (best.length > 0) {
    const r = stillFails([]);
    if (r) return { schedule: [], result: r, runs, from_entries: plan.schedule.length };
  }
  let n = 2;
  while (best.length >= 2 && runs < runs_max) {
    const chunk = Math.ceil(best.length / n);
    let reduced = false;
    for (let i = 0; i < best.length && runs < runs_max; i += chunk) {
      // Try the complement of chunk i (ddmin's "reduce to complement").
      const complement = [...best.slice(0, i), ...best.slice(i + chunk)];
      const r = stillFails(complement);
      if (r) {
        best = complement;
        bestResult = r;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= best.length) break;
      n = Math.min(best.length, n * 2);
    }
  }
  // Then narrow each adversary to one action, when one alone still breaks the run.
  for (let i = 0; i < best.length && runs < runs_max; i++) {
    const entry = best[i]!;
    if (entry.kind !== 'adversary' || entry.actions.length < 2) continue;
    for (const action of entry.actions) {
      if (runs >= runs_max) break;
      const narrowed = [...best.slice(0, i), { ...entry, actions: [action] }, ...best.slice(i + 1)];
      const r = stillFails(narrowed);
      if (r) {
        best = narrowed;
        bestResult = r;
        break;
      }
    }
  }
  return { schedule: best, result: bestResult, runs, from_entries: plan.schedule.length };
}
