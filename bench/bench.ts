// The benchmark contract and dispatcher. Each benchmark is `bench/<name>.ts` exporting
// `run(options: BenchOptions): Promise<BenchResult>`; `peerlab bench <name>` finds it by file
// name. A bench measures its own baseline in the same run, so every figure is printed beside
// its baseline, the ratio and the target (absolute numbers on a shared 2-core box mean little).
import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { isModuleFile, MODULE_EXT } from '../runtime-node/source-layout.ts';

export interface BenchOptions {
  /** --json was given: the bench should not print tables of its own, only progress to stderr. */
  readonly json: boolean;
  /** Arguments after the bench name, for bench-specific options. */
  readonly args: readonly string[];
  /** Progress and notes (stderr). */
  log(line: string): void;
}

export interface BenchFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The same quantity for the baseline measured in this run, when there is one. */
  readonly baseline?: number;
  /** value / baseline (or as the bench defines it). */
  readonly ratio?: number;
  /** The target in words, e.g. ">= 1,000,000/s" or ">= 25% of baseline". */
  readonly target?: string;
  /** Whether the target was met; undefined when there is no target. */
  readonly met?: boolean;
}

export interface BenchResult {
  readonly name: string;
  readonly figures: readonly BenchFigure[];
  readonly notes?: readonly string[];
}

export type BenchModule = { run(options: BenchOptions): Promise<BenchResult> };

const BENCH_DIR = new URL('./', import.meta.url);
/** Files in bench/ that are not benchmarks. */
const NOT_BENCHES = new Set(['bench', 'punch-clash']);
const BENCH_NAME = /^[a-z][a-z0-9-]*$/;

export class BenchLoadError extends Error {
  constructor(name: string, why: string) {
    super(`bench ${name}: ${why}`);
    this.name = 'BenchLoadError';
  }
}

export function benchNames(): string[] {
  return readdirSync(BENCH_DIR)
    .filter(isModuleFile)
    .map((file) => file.slice(0, -MODULE_EXT.length))
    .filter((name) => BENCH_NAME.test(name) && !NOT_BENCHES.has(name))
    .sort();
}

export async function loadBench(name: string): Promise<BenchModule | undefined> {
  if (!benchNames().includes(name)) return undefined;
  const module = (await import(pathToFileURL(new URL(`${name}${MODULE_EXT}`, BENCH_DIR).pathname).href)) as Partial<BenchModule>;
  if (typeof module.run !== 'function') throw new BenchLoadError(name, 'does not export run(options)');
  return module as BenchModule;
}
