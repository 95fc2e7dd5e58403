// peerlab/test: simulation tests in your own vitest suite, in the spirit of turmoil's
// Builder / sim.run(). `simTest(name, { seeds: '1..50' }, (sim, seed) => { ... })` declares one
// vitest test per seed; each builds its topology on a fresh seeded Simulator, runs your Sans-IO
// machines under the contract checker, asserts, and is run twice to check the trace is the same
// byte for byte. A failing seed writes its trace and prints the line that reruns just it.
// `checkSim` is the same check for one seed inside any test (e.g. a fast-check property).
// Needs vitest (a peer dependency).
import { expect, test } from 'vitest';
import { checkSim, type SimBody, type SimCaseOptions } from './sim-case.ts';

export { runSimCase, checkSim, SimCaseFailure } from './sim-case.ts';
export type { SimBody, SimCaseOptions, SimCaseResult } from './sim-case.ts';

/** Seeds at most one simTest declares (one vitest test each). */
export const sim_test_seeds_max = 10_000;

/** `7`, `[1, 2, 3]`, `'1..50'` (inclusive) or `'3,9,12'`. */
export type Seeds = number | readonly number[] | string;

/** The seeds to run: PEERLAB_SEED in the environment (a reproduce line) narrows any list to that seed. */
export function parseSeeds(seeds: Seeds): number[] {
  const narrowed = process.env['PEERLAB_SEED'];
  return parseSeedList(narrowed !== undefined && narrowed !== '' ? narrowed : seeds);
}

/** `7`, `[1, 2, 3]`, `'1..50'` or `'3,9,12'` as a list of u32 seeds (RangeError when malformed). */
export function parseSeedList(seeds: Seeds): number[] {
  let list: number[];
  if (typeof seeds === 'number') list = [seeds];
  else if (typeof seeds !== 'string') list = [...seeds];
  else {
    const range = /^\s*(\d+)\s*\.\.\s*(\d+)\s*$/.exec(seeds);
    if (range) {
      const from = Number(range[1]);
      const to = Number(range[2]);
      if (to < from || to - from + 1 > sim_test_seeds_max) throw new RangeError(`seeds ${seeds}: want A..B with A <= B and at most ${sim_test_seeds_max} seeds`);
      list = Array.from({ length: to - from + 1 }, (_, i) => from + i);
    } else list = seeds.split(',').map((part) => Number(part.trim()));
  }
  if (list.length === 0 || list.length > sim_test_seeds_max || list.some((s) => !Number.isInteger(s) || s < 0 || s > 0xffff_ffff)) {
    throw new RangeError(`seeds ${JSON.stringify(seeds)}: want 1..${sim_test_seeds_max} integers in 0..2^32-1`);
  }
  return list;
}

export interface SimTestOptions extends Omit<SimCaseOptions, 'reproduce'> {
  readonly seeds?: Seeds;
  /** vitest timeout per seed, ms (both runs of the seed count). */
  readonly timeout_ms?: number;
}

/** The vitest test name of one seed (what `-t` selects). */
export function seedTestName(name: string, seed: number): string {
  return `${name} [seed ${seed}]`;
}

function regExpText(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Declares one vitest test per seed; see the file header. The reproduce line's `-t` pattern is
 * anchored at the end only, so it also matches inside a describe block.
 */
export function simTest(name: string, options: SimTestOptions, body: SimBody): void {
  const { seeds = 1, timeout_ms, ...caseOptions } = options;
  for (const seed of parseSeeds(seeds)) {
    const title = seedTestName(name, seed);
    test(
      title,
      async () => {
        const file = expect.getState().testPath;
        const where = file ? ` ${JSON.stringify(file.startsWith(process.cwd()) ? file.slice(process.cwd().length + 1) : file)}` : '';
        const reproduce = `PEERLAB_SEED=${seed} npx vitest run${where} -t ${JSON.stringify(`${regExpText(title)}$`)}`;
        try {
          await checkSim(name, seed, body, { ...caseOptions, reproduce });
        } catch (error) {
          if (error instanceof Error) console.error(error.message);
          throw error;
        }
      },
      timeout_ms,
    );
  }
}
