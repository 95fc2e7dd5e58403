// The conntrack-clash section of `npm run bench -- punch` (issue 15's clash recovery), kept
// apart so bench/punch.ts stays one screenful per figure. Not a bench of its own
// (bench/bench.ts lists it in NOT_BENCHES). Figures:
//   - the one-sided clash in the simulator (scenarios/nat-matrix/one-sided-clash.ts), the clash
//     on either side's router, CLASH_SEEDS seeds: runs ending direct with no relay fallback,
//     against the same worlds with re-punch disabled (no spare sockets); target all of them;
//   - the same clash on real kernels (lab case conntrack-clash, CLASH_LAB_RUNS fresh labs, only
//     as root with ip/nft/turnserver, else one loud "skipped" line): runs direct, against the
//     lab's simulator mirror of each run; a's punch -> direct median and max, against the
//     simulator's;
//   - the post-idle clash in the simulator (scenarios/nat-matrix/post-idle-clash.ts), POST_IDLE_SEEDS
//     seeds: paused transfers that complete intact with no session closed, against the runs in
//     which the clash killed the direct pair (what there was to survive); target all of them.
//     The kernel post-idle case takes a minute a run: `peerlab lab post-idle` (not benched).
import { labPrerequisites } from '../runtime-node/lab/harness.ts';
import { repeatCase, type RepeatResult } from '../runtime-node/lab/repeat-case.ts';
import { Simulator } from '../runtime-sim/index.ts';
import { runOneSidedClash } from '../scenarios/nat-matrix/one-sided-clash.ts';
import { PAUSE_MS, runPostIdleClash } from '../scenarios/nat-matrix/post-idle-clash.ts';
import type { BenchFigure } from './bench.ts';

/** Seeds per orientation of the one-sided clash (issue 15: "over 20 runs"). */
const CLASH_SEEDS = 20;
/** Fresh kernel labs of the case conntrack-clash (~6 s each). */
const CLASH_LAB_RUNS = 20;
const CLASH_LAB_CASE = 'conntrack-clash';
/** Seeds of the simulated post-idle clash (~0.15 s each). */
const POST_IDLE_SEEDS = 10;

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface ClashFigures {
  /** Runs ending direct on both sides with no relay fallback (no punch-failed, no path-lost). */
  readonly direct: number;
  readonly runs: number;
  /** punch -> direct of the direct runs with the clash on a's router (the lab's orientation). */
  readonly times_a_ms: number[];
}

/** The one-sided clash in the simulator, with spare sockets (re-punch) or without (the baseline). */
function oneSidedClash(clashed: 'a' | 'b', spares: boolean, log: (line: string) => void): ClashFigures {
  let direct = 0;
  let clashes = 0;
  const times_a_ms: number[] = [];
  for (let seed = 1; seed <= CLASH_SEEDS; seed++) {
    const run = runOneSidedClash(seed, clashed, spares);
    if (run.clashes > 0) clashes++;
    const fellBack = (['a', 'b'] as const).some((side) => run.events[side].some((e) => e.type === 'punch-failed' || e.type === 'path-lost'));
    if (run.clients.a.path?.kind === 'direct' && run.clients.b.path?.kind === 'direct' && !fellBack) {
      direct++;
      if (run.punch_to_direct_ms !== undefined) times_a_ms.push(run.punch_to_direct_ms);
    }
  }
  log(`one-sided clash on ${clashed}'s router, ${spares ? 're-punch from a spare' : 'no spares'}: ${direct}/${CLASH_SEEDS} direct, the clash happened in ${clashes}/${CLASH_SEEDS}`);
  return { direct, runs: CLASH_SEEDS, times_a_ms };
}

/** CLASH_LAB_RUNS kernel runs of conntrack-clash, or why not. */
async function kernelClash(log: (line: string) => void): Promise<RepeatResult | string> {
  const missing = await labPrerequisites();
  if (missing.length > 0) return `skipped: the kernel conntrack-clash runs need ${missing.join(', ')}`;
  log(`kernel lab: ${CLASH_LAB_RUNS} runs of ${CLASH_LAB_CASE}…`);
  return repeatCase(CLASH_LAB_CASE, CLASH_LAB_RUNS, (i, r) => log(`  run ${i}: kernel ${r.kernel_path}, sim ${r.sim_path}, punch -> direct ${r.punch_to_direct_ms ?? '-'} ms; re-punch: ${r.repunches.join('; ') || 'none'}${r.error ? ` error ${r.error}` : ''}`));
}

function clashFigures(sim: Record<'a' | 'b', { fixed: ClashFigures; control: ClashFigures }>, kernel: RepeatResult | string): BenchFigure[] {
  const figures: BenchFigure[] = [];
  for (const side of ['a', 'b'] as const) {
    const { fixed, control } = sim[side];
    figures.push({
      name: `one-sided conntrack clash on ${side === 'a' ? 'the controlling' : 'the controlled'} side's router (sim, ${CLASH_SEEDS} seeds): runs direct with no relay fallback; baseline = re-punch disabled (no spare sockets)`,
      value: fixed.direct, unit: 'runs', baseline: control.direct, ratio: control.direct > 0 ? fixed.direct / control.direct : undefined,
      target: `${fixed.runs}/${fixed.runs}`, met: fixed.direct === fixed.runs,
    });
  }
  const simTimes = [...sim.a.fixed.times_a_ms].sort((x, y) => x - y);
  if (typeof kernel === 'string') return figures;
  const t = kernel.times_ms;
  const simDirect = kernel.runs.filter((r) => r.sim_path === 'direct').length;
  figures.push({
    name: `one-sided conntrack clash, kernel lab ${CLASH_LAB_CASE} (${kernel.runs.length} fresh labs): runs direct; baseline = the lab's simulator mirror of the same runs`,
    value: kernel.direct, unit: 'runs', baseline: simDirect, ratio: simDirect > 0 ? kernel.direct / simDirect : undefined,
    target: `${kernel.runs.length}/${kernel.runs.length}`, met: kernel.direct === kernel.runs.length,
  });
  if (t.length > 0) {
    const simMedian = simTimes.length > 0 ? median(simTimes) : NaN;
    const simMax = simTimes.at(-1) ?? NaN;
    figures.push({ name: `kernel ${CLASH_LAB_CASE}: a's punch instruction -> direct, median over direct runs; baseline = simulator one-sided clash (re-punch), median`, value: median(t), unit: 'ms', baseline: simMedian, ratio: median(t) / simMedian });
    figures.push({ name: `kernel ${CLASH_LAB_CASE}: a's punch instruction -> direct, max over direct runs; baseline = simulator, max`, value: t.at(-1)!, unit: 'ms', baseline: simMax, ratio: t.at(-1)! / simMax });
  }
  return figures;
}

/** The post-idle clash: paused transfers that survived, and runs in which the clash killed the direct pair. */
function postIdle(log: (line: string) => void): { survived: number; clashed: number } {
  let survived = 0;
  let clashed = 0;
  for (let seed = 1; seed <= POST_IDLE_SEEDS; seed++) {
    const o = runPostIdleClash(new Simulator({ seed, scenario: 'nat-matrix/post-idle-clash' }));
    if ((o.clashes as number) > 0 && (o.path_lost_a as number) > 0) clashed++;
    if (o.intact === true && o.closed === 'none') survived++;
  }
  log(`post-idle clash: ${survived}/${POST_IDLE_SEEDS} paused transfers intact, the clash killed the direct pair in ${clashed}/${POST_IDLE_SEEDS}`);
  return { survived, clashed };
}

/** Every clash figure and its notes; the kernel part only when the lab can run. */
export async function measureClash(log: (line: string) => void): Promise<{ figures: BenchFigure[]; notes: string[] }> {
  const sim = {
    a: { fixed: oneSidedClash('a', true, log), control: oneSidedClash('a', false, log) },
    b: { fixed: oneSidedClash('b', true, log), control: oneSidedClash('b', false, log) },
  };
  const idle = postIdle(log);
  const kernel = await kernelClash(log);
  if (typeof kernel === 'string') log(`!!! ${kernel} !!!`);
  const figures = clashFigures(sim, kernel);
  figures.push({
    name: `post-idle conntrack clash (sim, ${POST_IDLE_SEEDS} seeds, ${PAUSE_MS / 1000} s pause): paused transfers completing intact, no session closed; baseline = runs in which the clash killed the direct pair`,
    value: idle.survived, unit: 'runs', baseline: idle.clashed, ratio: idle.clashed > 0 ? idle.survived / idle.clashed : undefined,
    target: `${POST_IDLE_SEEDS}/${POST_IDLE_SEEDS}, each after a clash`, met: idle.survived === POST_IDLE_SEEDS && idle.clashed === POST_IDLE_SEEDS,
  });
  const notes = [
    `one-sided clash (sim): a dials b, the clashed side behind linux-masquerade, the other behind a port-restricted cone that sends one early datagram to the clashed side's port; seeds 1..${CLASH_SEEDS}; "no relay fallback" = both sides direct at the end, no punch-failed and no path-lost event`,
    typeof kernel === 'string' ? kernel : `kernel clash: ${CLASH_LAB_CASE} run ${CLASH_LAB_RUNS} times, a fresh lab each (runtime-node/lab/repeat-case.ts); punch -> direct is read from a's trace; the lab's processes start through tsx/node on a shared 2-core box`,
  ];
  return { figures, notes };
}
