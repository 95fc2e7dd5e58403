// `peerlab bench startup`: how long `peerlab` takes to start, compiled against transpiled.
// Each figure spawns whole processes, alternating the two ways so machine drift hits both:
// `peerlab --version` and `peerlab run echo-basic --seed 1 --no-trace`, through dist/ (the
// compiled JavaScript bin/peerlab.js runs when it is fresh) against the baseline of the same
// command through tsx from the sources (PEERLAB_FROM_SOURCE=1, what every run cost before the
// build step). Figures are medians of wall time; target: dist <= 50% of tsx. Needs a dist/
// build (`npm run build`); a stale one is measured all the same (it is what is timed, not
// what runs), with a note.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchFigure, BenchOptions, BenchResult } from './bench.ts';
import { PACKAGE_ROOT_URL } from '../runtime-node/source-layout.ts';

/** Process pairs per figure (after one warm-up pair). */
const pairs = 7;
const target_ratio_max = 0.5;

const ROOT = fileURLToPath(PACKAGE_ROOT_URL);
const DIST_MAIN = fileURLToPath(new URL('dist/runtime-node/cli/main.js', PACKAGE_ROOT_URL));
const BIN = fileURLToPath(new URL('bin/peerlab.js', PACKAGE_ROOT_URL));

/** Runs dist/'s main directly, so the figure is dist's even while sources are newer. */
const DIST_ENTRY = `const { main } = await import(${JSON.stringify(`file://${DIST_MAIN}`)}); process.exitCode = await main(process.argv.slice(1));`;

function timeOnce(args: readonly string[], env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, env, stdio: 'ignore', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`bench startup: ${args.join(' ')} exited ${result.status}`);
  return performance.now() - started;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function figure(name: string, command: readonly string[], log: (line: string) => void): BenchFigure {
  const dist = ['--input-type=module', '-e', DIST_ENTRY, '--', ...command];
  const tsx = [BIN, ...command];
  const sourceEnv = { ...process.env, PEERLAB_FROM_SOURCE: '1' };
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i <= pairs; i++) {
    const da = timeOnce(dist, process.env);
    const db = timeOnce(tsx, sourceEnv);
    if (i > 0) a.push(da), b.push(db); // the first pair warms the file cache
  }
  const value = median(a);
  const baseline = median(b);
  log(`bench startup: ${name}: dist ${value.toFixed(0)} ms, tsx ${baseline.toFixed(0)} ms`);
  return { name: `${name} (dist; baseline = tsx from the sources)`, value, unit: 'ms', baseline, ratio: value / baseline, target: `<= ${target_ratio_max * 100}% of tsx`, met: value / baseline <= target_ratio_max };
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  if (!existsSync(DIST_MAIN)) return { name: 'startup', figures: [], notes: ['skipped: no dist/ build (npm run build)'] };
  const figures = [figure('peerlab --version', ['--version'], options.log), figure('peerlab run echo-basic --seed 1', ['run', 'echo-basic', '--seed', '1', '--no-trace'], options.log)];
  return { name: 'startup', figures, notes: [`median wall time of ${pairs} process pairs per figure, alternated`] };
}
