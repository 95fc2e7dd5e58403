// The nat-matrix summary under `peerlab run nat-matrix --seeds A..B`: per loss rate, a preset x
// preset matrix of the share of seeds that ended on a direct path and the median time from
// "both registered" to the first application byte and to the direct path (issue 15: the session
// starts on the relay at once and moves to the direct path when punching succeeds); the first
// byte against its target (2 relayed RTT); then every birthday (chance) cell's measured direct
// rate beside its analytic probability, which must agree within 5 percentage points.
import type { ScenarioResult } from '../runner.ts';
import type { SuiteReport } from '../report.ts';
import { MATRIX_PRESETS } from './expected.ts';
import { FIRST_BYTE_RTTS_MAX, natMatrix, type MatrixScenario } from './index.ts';
import { RELAY_RTT_MS } from './world.ts';

/** Largest allowed gap between measured and analytic birthday success, in percentage points. */
export const BIRTHDAY_TOLERANCE_POINTS = 5;

const SHORT: Record<string, string> = {
  open: 'open',
  'full-cone': 'full',
  'restricted-cone': 'restr',
  'port-restricted-cone': 'port-r',
  'symmetric-sequential': 'sym-seq',
  symmetric: 'sym',
  'linux-masquerade': 'linux',
  'linux-masquerade-firewall': 'linux-fw',
  cgnat: 'cgnat',
};

export interface CellStats {
  readonly scenario: MatrixScenario;
  readonly runs: number;
  readonly passed: number;
  readonly direct: number;
  /** Seeds whose first punch attempt (no retry, no upgrade) ended direct. */
  readonly first_attempt_direct: number;
  readonly median_path_ms: number;
  readonly median_direct_ms: number;
  readonly median_first_byte_ms: number;
  /** Slowest first byte over the seeds (-1: a seed never got it). */
  readonly worst_first_byte_ms: number;
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function cellStats(results: readonly ScenarioResult[]): CellStats[] {
  const byName = new Map<string, ScenarioResult[]>();
  for (const r of results) {
    const list = byName.get(r.scenario) ?? [];
    list.push(r);
    byName.set(r.scenario, list);
  }
  const out: CellStats[] = [];
  for (const scenario of natMatrix) {
    const list = byName.get(scenario.name);
    if (!list) continue;
    const times = list.map((r) => r.outcome.time_to_path_ms).filter((t): t is number => typeof t === 'number' && t >= 0);
    const directTimes = list.map((r) => r.outcome.time_to_direct_ms).filter((t): t is number => typeof t === 'number' && t >= 0);
    const firstBytes = list.map((r) => (typeof r.outcome.time_to_first_byte_ms === 'number' ? r.outcome.time_to_first_byte_ms : -1));
    out.push({
      scenario,
      runs: list.length,
      passed: list.filter((r) => r.passed).length,
      direct: list.filter((r) => r.outcome.path === 'direct').length,
      first_attempt_direct: list.filter((r) => r.outcome.first_attempt_direct === true).length,
      median_path_ms: median(times),
      median_direct_ms: median(directTimes),
      median_first_byte_ms: median(firstBytes.filter((t) => t >= 0)),
      worst_first_byte_ms: firstBytes.some((t) => t < 0) ? -1 : Math.max(-1, ...firstBytes),
    });
  }
  return out;
}

export interface BirthdayCheck {
  readonly name: string;
  /** First-attempt direct rate: the analytic odds are per attempt. */
  readonly measured: number;
  /** Final direct rate, after relay -> direct upgrade retries. */
  readonly final: number;
  readonly analytic: number;
  readonly ok: boolean;
}

export function birthdayChecks(stats: readonly CellStats[]): BirthdayCheck[] {
  return stats
    .filter((s) => s.scenario.cell.analytic !== undefined)
    .map((s) => {
      const measured = s.first_attempt_direct / s.runs;
      const analytic = s.scenario.cell.analytic!;
      return { name: s.scenario.name, measured, final: s.direct / s.runs, analytic, ok: Math.abs(measured - analytic) * 100 <= BIRTHDAY_TOLERANCE_POINTS };
    });
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function matrixText(stats: readonly CellStats[], loss: number): string[] {
  const cells = new Map<string, CellStats>();
  for (const s of stats) if (s.scenario.cell.loss === loss && s.scenario.name.includes('+')) cells.set(`${s.scenario.cell.a}|${s.scenario.cell.b}`, s);
  if (cells.size === 0) return [];
  const width = 17;
  // only the presets that were run: a row per initiator preset, a column per responder preset
  const rows = MATRIX_PRESETS.filter((a) => MATRIX_PRESETS.some((b) => cells.has(`${a}|${b}`)));
  const columns = MATRIX_PRESETS.filter((b) => rows.some((a) => cells.has(`${a}|${b}`)));
  const header = `loss ${Math.round(loss * 100)}%: direct-path share over seeds, median ms from both-registered to first application byte / to direct path (* = a seed missed its expectation)`;
  // a few cells (npm start's tour) read better as a list than as a grid with holes: a grid
  // only from 5 cells on, and when at least half of it was run (a full run is a triangle)
  if (cells.size <= 4 || 2 * cells.size < rows.length * columns.length) {
    const lines = [header];
    for (const s of cells.values()) {
      const flag = s.passed < s.runs ? '  * missed its expectation' : '';
      const path = Number.isNaN(s.median_path_ms) ? 'no path' : `${Math.round(s.median_path_ms)} ms to path, ${Number.isNaN(s.median_first_byte_ms) ? 'no' : `${Math.round(s.median_first_byte_ms)} ms to`} first byte, ${Number.isNaN(s.median_direct_ms) ? 'never' : `${Math.round(s.median_direct_ms)} ms`} to direct`;
      lines.push(`  ${`${s.scenario.cell.a} x ${s.scenario.cell.b}`.padEnd(44)} direct ${Math.round((100 * s.direct) / s.runs)}% of ${s.runs} seed${s.runs === 1 ? '' : 's'}, ${path}, expected ${s.scenario.cell.expected.technique}${flag}`);
    }
    return lines;
  }
  const lines = [header];
  lines.push(['A \\ B'.padEnd(9), ...columns.map((p) => SHORT[p]!.padStart(width))].join(''));
  for (const a of rows) {
    const row = [SHORT[a]!.padEnd(9)];
    for (const b of columns) {
      const s = cells.get(`${a}|${b}`);
      if (!s) {
        row.push(''.padStart(width));
        continue;
      }
      const flag = s.passed < s.runs ? '*' : ' ';
      const ms = (x: number): string => (Number.isNaN(x) ? '-' : String(Math.round(x)));
      row.push(`${Math.round((100 * s.direct) / s.runs)}% ${ms(s.median_first_byte_ms)}/${ms(s.median_direct_ms)}${flag}`.padStart(width));
    }
    lines.push(row.join(''));
  }
  const all = [...cells.values()];
  const target_ms = FIRST_BYTE_RTTS_MAX * RELAY_RTT_MS;
  const met = all.filter((s) => s.worst_first_byte_ms >= 0 && s.worst_first_byte_ms <= target_ms).length;
  const worst = all.some((s) => s.worst_first_byte_ms < 0) ? 'never (a seed got no first byte)' : `${Math.round(Math.max(...all.map((s) => s.worst_first_byte_ms)))} ms`;
  lines.push(`first byte within ${FIRST_BYTE_RTTS_MAX} relayed RTT (${target_ms} ms) on every seed: ${met}/${all.length} pairs; worst ${worst}${loss > 0 ? ' (target is for 0% loss: a lost handshake datagram costs a 500 ms retransmission)' : ''}`);
  return lines;
}

export function renderNatMatrix(results: readonly ScenarioResult[]): string | undefined {
  const stats = cellStats(results);
  if (stats.length === 0) return undefined;
  const lines = ['nat-matrix (A = initiator = row, B = column; expected outcomes and reasons: scenarios/nat-matrix/expected.ts)'];
  for (const loss of [...new Set(stats.map((s) => s.scenario.cell.loss))].sort()) lines.push('', ...matrixText(stats, loss));
  const extras = stats.filter((s) => !s.scenario.name.includes('+'));
  if (extras.length > 0) {
    lines.push('', 'layouts:');
    for (const s of extras) {
      const direct = Number.isNaN(s.median_direct_ms) ? '' : `, to direct ${Math.round(s.median_direct_ms)} ms`;
      lines.push(`  ${s.scenario.name.padEnd(30)} direct ${s.direct}/${s.runs}, median time-to-path ${Math.round(s.median_path_ms)} ms, first byte ${Number.isNaN(s.median_first_byte_ms) ? 'none' : `${Math.round(s.median_first_byte_ms)} ms`}${direct}, expected ${s.scenario.cell.expected.technique}`);
    }
  }
  const checks = birthdayChecks(stats);
  if (checks.length > 0) {
    lines.push('', `birthday cells (256 ports x 1024 probes): first-attempt direct rate vs analytic, tolerance ${BIRTHDAY_TOLERANCE_POINTS} points (final = after upgrade retries)`);
    for (const c of checks) {
      const diff = (c.measured - c.analytic) * 100;
      lines.push(`  ${c.name.padEnd(58)} measured ${pct(c.measured).padStart(6)}  analytic ${pct(c.analytic).padStart(6)}  diff ${diff >= 0 ? '+' : ''}${diff.toFixed(1)} pts  ${c.ok ? 'ok' : 'OUT OF TOLERANCE'}  final ${pct(c.final)}`);
    }
  }
  const missed = stats.filter((s) => s.passed < s.runs);
  lines.push('', missed.length === 0 ? `every cell matched its expectation on every seed (${stats.length} cells)` : `${missed.length} cells missed on some seed: ${missed.map((s) => s.scenario.name).join(', ')}`);
  return lines.join('\n');
}

export const natMatrixReport: SuiteReport = { suite: 'nat-matrix', render: renderNatMatrix };
