// `peerlab run` in-process (with a deliberately failing scenario registered only here) and
// the real executable end to end: exit codes, the reproduce line, the --json last line, the
// table, usage errors, list and help.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { registry } from '../../../scenarios/index.ts';
import { ScenarioRegistry } from '../../../scenarios/registry.ts';
import { equal } from '../../../scenarios/expect.ts';
import type { Scenario } from '../../../scenarios/scenario.ts';
import { runCommand, type RunDeps } from '../../../runtime-node/cli/commands/run.ts';
import { main } from '../../../runtime-node/cli/main.ts';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from '../../../runtime-node/cli/command.ts';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Passes on even seeds, fails on odd ones: a known, deliberate failure. */
const failing: Scenario = {
  name: 'test/fails-on-odd-seeds',
  description: 'test-only: its expectation fails on odd seeds',
  suites: ['test-only'],
  figures: ['parity'],
  run: (sim, seed) => {
    sim.runUntil(1);
    return { parity: seed % 2 === 0 ? 'even' : 'odd' };
  },
  expectations: [equal('parity', 'even')],
};

function capture(): RunDeps & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    registry: registry.with([failing]),
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    progress: { isTTY: false, write: (text) => stderr.push(text) > 0 },
    stdout,
    stderr,
  };
}

describe('peerlab run (in-process)', () => {
  it('exits 1 on a failed expectation and prints the line that reproduces it', async () => {
    const deps = capture();
    const code = await runCommand(['test/fails-on-odd-seeds', '--seeds', '1..4', '--no-trace', '--json'], deps);
    expect(code).toBe(EXIT_FAILED);
    const text = deps.stdout.join('\n');
    expect(text).toContain('FAIL 2/4');
    expect(text).toContain('FAIL test/fails-on-odd-seeds seed 1: parity = "even": parity is "odd", want "even"');
    expect(text).toContain('  reproduce: peerlab run test/fails-on-odd-seeds --seed 1');
    expect(text).toContain('  reproduce: peerlab run test/fails-on-odd-seeds --seed 3');
    expect(text).not.toContain('--seed 2\n');
    const summary = JSON.parse(deps.stdout.at(-1)!) as { passed: boolean; runs: number; failed: number; results: Array<{ seed: number; passed: boolean }> };
    expect(summary).toMatchObject({ passed: false, runs: 4, failed: 2 });
    expect(summary.results.map((r) => [r.seed, r.passed])).toEqual([[1, false], [2, true], [3, false], [4, true]]);
    // Progress went to stderr in plain-line form.
    expect(deps.stderr.some((line) => line.includes('4/4 (100%)'))).toBe(true);
  });

  it('exits 0 when every expectation holds, with the JSON object as the last line', async () => {
    const deps = capture();
    const code = await runCommand(['echo-basic', 'test/fails-on-odd-seeds', '--seed', '2', '--no-trace', '--json'], deps);
    expect(code).toBe(EXIT_OK);
    const summary = JSON.parse(deps.stdout.at(-1)!) as { passed: boolean; seeds: number[]; results: Array<{ scenario: string; outcome: Record<string, unknown> }> };
    expect(summary.passed).toBe(true);
    expect(summary.seeds).toEqual([2]);
    expect(summary.results.map((r) => r.scenario)).toEqual(['echo-basic', 'test/fails-on-odd-seeds']);
    expect(summary.results[0]!.outcome.rtt_p50_ms).toBe(40);
  });

  it('writes traces to --trace DIR and checks determinism', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peerlab-run-'));
    dirs.push(dir);
    const deps = capture();
    const code = await runCommand(['echo-basic', '--seed', '5', '--trace', dir, '--check-determinism'], deps);
    expect(code).toBe(EXIT_OK);
    expect(readdirSync(dir)).toEqual(['echo-basic-5.jsonl']);
    expect(deps.stdout.join('\n')).toContain('determinism 1/1 identical');
  });

  it('prints a suite report under the table and puts it in the JSON', async () => {
    const deps = capture();
    const withReport = new ScenarioRegistry([failing], {}, [
      { suite: 'test-only', render: (results) => `parity report: ${results.filter((r) => r.passed).length}/${results.length} even` },
    ]);
    const code = await runCommand(['test-only', '--seeds', '1..4', '--no-trace', '--json'], { ...deps, registry: withReport });
    expect(code).toBe(EXIT_FAILED);
    expect(deps.stdout).toContain('\nparity report: 2/4 even');
    const summary = JSON.parse(deps.stdout.at(-1)!) as { reports: Array<{ suite: string; text: string }> };
    expect(summary.reports).toEqual([{ suite: 'test-only', text: 'parity report: 2/4 even' }]);
  });

  it('a scenario that throws is a failed run with the error, not a crash', async () => {
    const throwing: Scenario = {
      name: 'test/throws',
      description: 'test-only: throws while building its topology',
      suites: [],
      run: () => {
        throw new Error('topology exploded');
      },
      expectations: [],
    };
    const deps = capture();
    const code = await runCommand(['test/throws', 'echo-basic', '--no-trace'], { ...deps, registry: registry.with([throwing]) });
    expect(code).toBe(EXIT_FAILED);
    const text = deps.stdout.join('\n');
    expect(text).toContain('FAIL test/throws seed 1: threw Error: topology exploded');
    expect(text).toMatch(/^echo-basic\s+1\s+pass/m);
  });

  it('rejects bad arguments as usage errors', async () => {
    await expect(runCommand([], capture())).rejects.toThrow(UsageError);
    await expect(runCommand(['no-such-scenario'], capture())).rejects.toThrow(/no scenario or suite/);
    await expect(runCommand(['echo-basic', '--seed', '1', '--seeds', '1..2'], capture())).rejects.toThrow(/not both/);
    await expect(runCommand(['echo-basic', '--seeds', '5..1'], capture())).rejects.toThrow(/empty/);
  });

  it('main turns a usage error into exit code 2 and one line naming the help', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['run', 'echo-basic', '--bogus'], { out: (t) => out.push(t), err: (t) => err.push(t) });
    expect(code).toBe(EXIT_USAGE);
    expect(err).toEqual(['peerlab run: unknown option --bogus (see: peerlab help run)']);
  });

  it('main lists every command file in help and rejects unknown commands', async () => {
    const out: string[] = [];
    expect(await main(['help'], { out: (t) => out.push(t), err: () => {} })).toBe(EXIT_OK);
    for (const name of ['list', 'run', 'bench']) expect(out.join('\n')).toMatch(new RegExp(`^  ${name}\\s`, 'm'));
    const err: string[] = [];
    expect(await main(['frobnicate'], { out: () => {}, err: (t) => err.push(t) })).toBe(EXIT_USAGE);
    expect(err.join('\n')).toContain('no command "frobnicate"');
  });
});

describe('bin/peerlab.js (a real process)', () => {
  it('run --json: exit 0 and the last stdout line parses', async () => {
    const { stdout } = await run('node', ['bin/peerlab.js', 'run', 'echo-basic', 'partition/two-way', '--no-trace', '--json'], { cwd: ROOT });
    const last = stdout.trimEnd().split('\n').at(-1)!;
    const summary = JSON.parse(last) as { passed: boolean; runs: number; peerlab: string };
    expect(summary).toMatchObject({ passed: true, runs: 2 });
    expect(stdout).toMatch(/^echo-basic\s+1\s+pass/m);
  });

  it('a usage error exits 2; list prints the suites', async () => {
    const failure = await run('node', ['bin/peerlab.js', 'run', 'no-such-thing'], { cwd: ROOT }).catch((error: { code: number; stderr: string }) => error);
    expect((failure as { code: number }).code).toBe(2);
    const { stdout } = await run('node', ['bin/peerlab.js', 'list'], { cwd: ROOT });
    expect(stdout).toMatch(/^default\s+\d+/m);
    expect(stdout).toMatch(/^nat\/cgnat\s/m);
  });
});
