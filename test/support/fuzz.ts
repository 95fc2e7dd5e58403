// `npm run fuzz [-- <test files or folders>…]`: the property tests with a random fast-check
// seed and FC_RUNS_SCALE (default 100) times the runs. The seed is printed first, so any run
// can be repeated; each failing property gets one reproduce line
//   FC_SEED=<seed> FC_PATH=<path> npx vitest run <file> -t '<test name>'
// that replays exactly its shrunk counterexample under the normal configuration.
// Environment: FC_SEED (default: random), FC_RUNS_SCALE (default 100).
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROPERTY_MARK = /\b(?:test|it|fcTest)\.prop\(|\bfc\.assert\(/;

/** Test files under `dir` that contain a property test. */
function propertyFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...propertyFiles(path));
    else if (name.endsWith('.test.ts') && PROPERTY_MARK.test(readFileSync(path, 'utf8'))) out.push(relative(ROOT, path));
  }
  return out;
}

interface JsonAssertion {
  readonly fullName: string;
  readonly title: string;
  readonly status: string;
  readonly failureMessages: readonly string[];
}
interface JsonReport {
  readonly testResults: ReadonlyArray<{ readonly name: string; readonly status: string; readonly message?: string; readonly assertionResults: readonly JsonAssertion[] }>;
}

/** A shell-safe single-quoted word. */
const quote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;
/** The -t pattern of a test: its name without the seed suffix, regex characters escaped. */
const namePattern = (fullName: string): string => fullName.replace(/ \(with seed=-?\d+\)$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function main(): number {
  const seedText = process.env['FC_SEED'];
  const seed = seedText !== undefined && seedText !== '' ? Number(seedText) : randomInt(1, 2 ** 31 - 1);
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${seedText}`);
  const scale = process.env['FC_RUNS_SCALE'] || '100';
  const targets = process.argv.slice(2);
  const files = (targets.length > 0 ? targets : ['test']).flatMap((target) =>
    statSync(join(ROOT, target)).isDirectory() ? propertyFiles(join(ROOT, target)) : [target],
  );
  process.stdout.write(`fuzz: FC_SEED=${seed} FC_RUNS_SCALE=${scale} (${files.length} files)\n`);
  process.stdout.write(`fuzz: rerun all of it with FC_SEED=${seed} FC_RUNS_SCALE=${scale} npm run fuzz${targets.length ? ` -- ${targets.join(' ')}` : ''}\n`);

  const dir = mkdtempSync(join(tmpdir(), 'peerlab-fuzz-'));
  const reportPath = join(dir, 'report.json');
  try {
    const run = spawnSync(
      'npx',
      ['vitest', 'run', '--config', 'vitest.fuzz.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${reportPath}`, ...files],
      { cwd: ROOT, stdio: 'inherit', env: { ...process.env, FC_SEED: String(seed), FC_RUNS_SCALE: scale } },
    );
    let report: JsonReport | undefined;
    try {
      report = JSON.parse(readFileSync(reportPath, 'utf8')) as JsonReport;
    } catch {
      report = undefined;
    }
    const lines: string[] = [];
    for (const file of report?.testResults ?? []) {
      const path = relative(ROOT, file.name);
      if (file.status === 'failed' && file.assertionResults.length === 0) {
        lines.push(`FC_SEED=${seed} FC_RUNS_SCALE=${scale} npx vitest run --config vitest.fuzz.config.ts ${path}   # ${file.message?.split('\n')[0] ?? 'failed to load'}`);
      }
      for (const test of file.assertionResults) {
        if (test.status !== 'failed') continue;
        const text = test.failureMessages.join('\n');
        const found = /\{ seed: (-?\d+), path: "([\d:]*)"/.exec(text);
        lines.push(
          found
            ? `FC_SEED=${found[1]} FC_PATH=${found[2]} npx vitest run ${path} -t ${quote(namePattern(test.fullName))}`
            : `FC_SEED=${seed} FC_RUNS_SCALE=${scale} npx vitest run --config vitest.fuzz.config.ts ${path} -t ${quote(namePattern(test.fullName))}`,
        );
      }
    }
    process.stdout.write(`\nfuzz: FC_SEED=${seed} FC_RUNS_SCALE=${scale}: ${run.status === 0 ? 'every property held' : `FAILED (${lines.length} reproduce line${lines.length === 1 ? '' : 's'})`}\n`);
    for (const line of lines) process.stdout.write(`reproduce: ${line}\n`);
    return run.status ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = main();
