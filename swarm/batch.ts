// Runs a list of seeds and folds their results into the figures the CLI reports: runs,
// invariants checked, worst virtual time to an outcome, outcomes by kind, and every failure
// with its reproduce line and its shrunk fault schedule. Pure (no clock, no threads): the CLI
// times it and spreads seed lists over worker threads, then merges the summaries.
import { SWARM_PROTOCOLS, drawPlan, type ScheduleEntry, type SwarmProtocol } from './plan.ts';
import { reproduceLine, runPlan } from './run.ts';
import { shrinkSchedule } from './shrink.ts';
import type { ViolationKind } from './violation.ts';

export type ProtocolChoice = SwarmProtocol | 'all';

export interface SwarmFailure {
  readonly protocol: SwarmProtocol;
  readonly seed: number;
  readonly kind: ViolationKind;
  readonly detail: string;
  readonly reproduce: string;
  /** The minimal schedule that still fails this way (absent when shrinking was skipped). */
  readonly shrunk?: { readonly schedule: readonly ScheduleEntry[]; readonly from_entries: number; readonly runs: number; readonly detail: string };
}

export interface SwarmSummary {
  runs: number;
  seeds: number;
  invariants_checked: number;
  worst_outcome_ms: number;
  worst: { protocol: SwarmProtocol; seed: number } | undefined;
  /** Worst virtual time to an outcome per protocol (each has its own bound). */
  worst_ms_by_protocol: Partial<Record<SwarmProtocol, number>>;
  outcomes: Record<string, number>;
  injected: number;
  failures: SwarmFailure[];
  unread_tables: string[];
}

export function emptySummary(): SwarmSummary {
  return { runs: 0, seeds: 0, invariants_checked: 0, worst_outcome_ms: 0, worst: undefined, worst_ms_by_protocol: {}, outcomes: {}, injected: 0, failures: [], unread_tables: [] };
}

export function protocolsOf(choice: ProtocolChoice): readonly SwarmProtocol[] {
  return choice === 'all' ? SWARM_PROTOCOLS : [choice];
}

export interface BatchOptions {
  /** Failures to shrink (later ones are reported unshrunk, to bound the time spent). */
  readonly shrink_max: number;
}

/** Runs `seeds` for each protocol of `choice`; `onFailure` sees each failure as it is found. */
export function runBatch(choice: ProtocolChoice, seeds: readonly number[], options: BatchOptions, onFailure?: (f: SwarmFailure) => void): SwarmSummary {
  const s = emptySummary();
  const unread = new Set<string>();
  let shrunk = 0;
  for (const seed of seeds) {
    s.seeds++;
    for (const protocol of protocolsOf(choice)) {
      const plan = drawPlan(protocol, seed);
      const r = runPlan(plan);
      s.runs++;
      s.invariants_checked += r.checks;
      s.injected += r.injected;
      for (const t of r.unread) unread.add(t);
      const outcome = r.ok ? r.outcome : `violation:${r.violation!.kind}`;
      s.outcomes[outcome] = (s.outcomes[outcome] ?? 0) + 1;
      if (r.ok && r.outcome_ms > (s.worst_ms_by_protocol[protocol] ?? 0)) s.worst_ms_by_protocol[protocol] = r.outcome_ms;
      if (r.ok && r.outcome_ms > s.worst_outcome_ms) {
        s.worst_outcome_ms = r.outcome_ms;
        s.worst = { protocol, seed };
      }
      if (r.ok) continue;
      const v = r.violation!;
      let failure: SwarmFailure = { protocol, seed, kind: v.kind, detail: v.detail, reproduce: reproduceLine(protocol, seed) };
      if (shrunk < options.shrink_max) {
        shrunk++;
        const m = shrinkSchedule(plan, r);
        failure = { ...failure, shrunk: { schedule: m.schedule, from_entries: m.from_entries, runs: m.runs, detail: m.result.violation?.detail ?? '' } };
      }
      s.failures.push(failure);
      onFailure?.(failure);
    }
  }
  s.unread_tables = [...unread].sort();
  return s;
}

export function mergeSummaries(parts: readonly SwarmSummary[]): SwarmSummary {
  const out = emptySummary();
  const unread = new Set<string>();
  for (const p of parts) {
    out.runs += p.runs;
    out.seeds += p.seeds;
    out.invariants_checked += p.invariants_checked;
    out.injected += p.injected;
    if (p.worst !== undefined && p.worst_outcome_ms > out.worst_outcome_ms) {
      out.worst_outcome_ms = p.worst_outcome_ms;
      out.worst = p.worst;
    }
    for (const [k, v] of Object.entries(p.outcomes)) out.outcomes[k] = (out.outcomes[k] ?? 0) + v;
    for (const [k, v] of Object.entries(p.worst_ms_by_protocol) as Array<[SwarmProtocol, number]>) {
      if (v > (out.worst_ms_by_protocol[k] ?? 0)) out.worst_ms_by_protocol[k] = v;
    }
    out.failures.push(...p.failures);
    for (const t of p.unread_tables) unread.add(t);
  }
  out.failures.sort((a, b) => a.seed - b.seed || a.protocol.localeCompare(b.protocol));
  out.unread_tables = [...unread].sort();
  return out;
}

/** Human lines for one failure: what broke, the one reproduce line, the minimal schedule. */
export function describeFailure(f: SwarmFailure): string {
  const lines = [`FAIL ${f.protocol} seed ${f.seed}: ${f.kind}: ${f.detail}`, `  reproduce: ${f.reproduce}`];
  if (f.shrunk) {
    lines.push(`  minimal fault schedule (${f.shrunk.schedule.length} of ${f.shrunk.from_entries} entries, ${f.shrunk.runs} re-runs): ${JSON.stringify(f.shrunk.schedule)}`);
  }
  return lines.join('\n');
}
