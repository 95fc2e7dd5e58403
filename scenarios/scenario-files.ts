// Scenarios from outside this repo (`peerlab run --scenarios 'glob/*.ts'`): expands the glob,
// imports each file and takes every export that is a Scenario or a Scenario[]. A scenario file
// imports peerlab by its package name (`peerlab/scenario`, `peerlab/sim`, ...); those names
// are resolved to the very peerlab that is running (the sources or dist/), so a user scenario
// builds on the same Simulator the runner hands it, installed or not. TypeScript files load
// through tsx (registered here when the CLI runs from dist/, where nothing else did).
import { readdirSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CODE_ROOT_URL, MODULE_EXT } from '../runtime-node/source-layout.ts';
import type { Scenario } from './scenario.ts';

export class ScenarioFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioFileError';
  }
}

/** Files one glob may match, at most (a pattern that matches a whole disk is a mistake). */
export const scenario_files_max = 1_000;
/** Folders a `**` walk may enter, at most. */
const glob_dirs_max = 10_000;
/** The subpaths of the package's `exports` that scenario files may import. */
export const PUBLIC_SUBPATHS = ['core', 'sim', 'protocols', 'node', 'scenario', 'test', 'arb'] as const;

/** A path segment pattern (`*`, `?`, no `/`) as a regular expression. */
function segmentRegExp(segment: string): RegExp {
  const body = segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*').replaceAll('?', '[^/]');
  return new RegExp(`^${body}$`);
}

/**
 * The files a glob matches, sorted: `*` and `?` within a segment, `**` for any depth. A path
 * with no wildcard is returned as is (a missing file is the import's error, said plainly).
 */
export function expandGlob(pattern: string, cwd = process.cwd()): string[] {
  if (!/[*?]/.test(pattern)) return [resolve(cwd, pattern)];
  const absolute = isAbsolute(pattern);
  const segments = pattern.split(/[\\/]+/).filter((s, i) => s !== '' || (i === 0 && absolute));
  let base = absolute ? sep : cwd;
  let i = absolute ? 1 : 0;
  while (i < segments.length && !/[*?]/.test(segments[i]!)) base = join(base, segments[i++]!);
  const rest = segments.slice(i);
  const found = new Set<string>();
  let dirs = 0;
  const walk = (dir: string, parts: readonly string[]): void => {
    if (++dirs > glob_dirs_max) throw new ScenarioFileError(`--scenarios ${pattern}: more than ${glob_dirs_max} folders to search`);
    const [head, ...tail] = parts;
    if (head === undefined) return;
    let entries: string[];
    try {
      entries = readdirSync(dir).filter((name) => name !== 'node_modules' && !name.startsWith('.')).sort();
    } catch {
      return;
    }
    if (head === '**') {
      walk(dir, tail); // zero folders
      for (const name of entries) if (isDir(join(dir, name))) walk(join(dir, name), parts);
      return;
    }
    const match = segmentRegExp(head);
    for (const name of entries.filter((n) => match.test(n))) {
      const path = join(dir, name);
      if (tail.length === 0) {
        if (!isDir(path)) found.add(path);
      } else if (isDir(path)) walk(path, tail);
      if (found.size > scenario_files_max) throw new ScenarioFileError(`--scenarios ${pattern}: more than ${scenario_files_max} files`);
    }
  };
  walk(base, rest);
  return [...found].sort();
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The loader hook that maps `peerlab` and `peerlab/<subpath>` to this running copy's api/
 * folder. It runs on Node's loader thread, so it is plain JavaScript in a data: URL.
 */
const PEERLAB_RESOLVE_HOOK = `
let api, ext, subpaths;
export function initialize(data) { api = data.api; ext = data.ext; subpaths = new Set(data.subpaths); }
export async function resolve(specifier, context, next) {
  if (specifier === 'peerlab' || specifier.startsWith('peerlab/')) {
    const sub = specifier === 'peerlab' ? 'index' : specifier.slice('peerlab/'.length);
    if (sub === 'index' || subpaths.has(sub)) return next(new URL(sub + ext, api).href, context);
  }
  return next(specifier, context);
}`;

let loadersReady = false;

async function prepareLoaders(needsTypeScript: boolean): Promise<void> {
  if (loadersReady) return;
  loadersReady = true;
  // From the sources, bin/peerlab.js (or the test runner) already loads TypeScript.
  if (needsTypeScript && MODULE_EXT === '.js') {
    const tsx = (await import('tsx/esm/api')) as { register: () => unknown };
    tsx.register();
  }
  register(`data:text/javascript,${encodeURIComponent(PEERLAB_RESOLVE_HOOK)}`, {
    data: { api: new URL('api/', CODE_ROOT_URL).href, ext: MODULE_EXT, subpaths: [...PUBLIC_SUBPATHS] },
  });
}

/** Whether a value has the shape of a Scenario (checked, since a file is anyone's code). */
function isScenario(value: unknown): value is Scenario {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && typeof v.run === 'function' && Array.isArray(v.expectations);
}

function problem(scenario: Scenario): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/+-]*$/.test(scenario.name)) return `name ${JSON.stringify(scenario.name)} must be letters, digits and . _ / + -`;
  if (typeof scenario.description !== 'string') return 'description must be a string';
  if (!Array.isArray(scenario.suites) || scenario.suites.some((s) => typeof s !== 'string')) return 'suites must be an array of strings';
  for (const expectation of scenario.expectations) {
    if (typeof expectation?.name !== 'string' || typeof expectation.check !== 'function') return 'every expectation needs a name and a check()';
  }
  return undefined;
}

export interface LoadedScenarioFile {
  readonly path: string;
  readonly scenarios: readonly Scenario[];
}

/** Imports each file and collects its exported scenarios (in export order, each once). */
export async function loadScenarioFiles(paths: readonly string[], cwd = process.cwd()): Promise<LoadedScenarioFile[]> {
  await prepareLoaders(paths.some((path) => /\.[mc]?tsx?$/.test(path)));
  const loaded: LoadedScenarioFile[] = [];
  for (const path of paths) {
    const shown = relative(cwd, path) || path;
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (error) {
      throw new ScenarioFileError(`cannot load ${shown}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
    const scenarios = new Set<Scenario>();
    for (const value of Object.values(module)) {
      for (const candidate of Array.isArray(value) ? value : [value]) if (isScenario(candidate)) scenarios.add(candidate);
    }
    if (scenarios.size === 0) throw new ScenarioFileError(`${shown} exports no scenario (export a Scenario or Scenario[]: see docs/api.md)`);
    for (const scenario of scenarios) {
      const why = problem(scenario);
      if (why) throw new ScenarioFileError(`${shown}: scenario ${scenario.name}: ${why}`);
    }
    loaded.push({ path, scenarios: [...scenarios] });
  }
  return loaded;
}
