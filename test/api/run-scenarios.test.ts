// `peerlab run --scenarios / --junit / --shard` in process (runCommand with captured output):
// user scenarios run beside the built-ins with the same seeds, table, traces and reproduce
// lines (which name the scenario file); the JUnit report parses and counts failures and errors
// with the reproduce line in each failed case; shards split the runs without overlap; bad
// files and name clashes are usage errors.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, test } from 'vitest';
import { registry } from '../../scenarios/index.ts';
import { runCommand } from '../../runtime-node/cli/commands/run.ts';
import { UsageError } from '../../runtime-node/cli/command.ts';

const FIXTURES = 'test/api/fixtures';
const out = mkdtempSync(join(tmpdir(), 'peerlab-run-scenarios-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCommand(args, { registry, out: (l) => stdout.push(l), err: (l) => stderr.push(l), progress: { write: () => true, isTTY: false } as never });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

interface Case {
  name: string;
  failure?: { message: string; type: string };
  error?: { message: string; type: string };
  'system-out'?: string;
}

function parseJunit(path: string): { tests: string; failures: string; errors: string; suites: Array<{ name: string; tests: string; failures: string; errors: string; cases: Case[] }> } {
  const xml = readFileSync(path, 'utf8');
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', textNodeName: 'text', isArray: (n) => n === 'testsuite' || n === 'testcase' }).parse(xml);
  const root = doc.testsuites;
  return {
    tests: root.tests,
    failures: root.failures,
    errors: root.errors,
    suites: root.testsuite.map((s: Record<string, unknown>) => ({ ...s, cases: s['testcase'] as Case[] })),
  };
}

describe('peerlab run --scenarios', () => {
  test('runs a glob of user files with seeds, traces, JUnit and reproduce lines naming the file', async () => {
    const junit = join(out, 'all.xml');
    const traces = join(out, 'traces');
    const { code, stdout } = await run(['--scenarios', `${FIXTURES}/user-*.ts`, '--seeds', '1..4', '--junit', junit, '--trace', traces, '--check-determinism']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/user\/steady\s+1\.\.4\s+pass/);
    expect(stdout).toMatch(/user\/odd-fails\s+1\.\.4\s+FAIL 2\/4/);
    expect(stdout).toMatch(/user\/throws\s+1\.\.4\s+FAIL 1\/4/);
    expect(stdout).toContain('9/12 runs passed, determinism 12/12 identical');
    expect(stdout).toContain(`reproduce: peerlab run user/odd-fails --seed 1 --scenarios ${FIXTURES}/user-scenarios.ts --check-determinism`);
    expect(stdout).toContain('FAIL user/throws seed 3: threw Error: boom <3>');
    expect(existsSync(join(traces, 'user.steady-2.jsonl'))).toBe(true);

    const report = parseJunit(junit);
    expect(report).toMatchObject({ tests: '12', failures: '2', errors: '1' });
    const odd = report.suites.find((s) => s.name === 'user/odd-fails')!;
    expect(odd).toMatchObject({ tests: '4', failures: '2', errors: '0' });
    const seed1 = odd.cases.find((c) => c.name === 'user/odd-fails seed 1')!;
    expect(seed1.failure?.message).toBe('even seed: the seed is odd & <odd>');
    expect(seed1['system-out']).toContain(`reproduce: peerlab run user/odd-fails --seed 1 --scenarios ${FIXTURES}/user-scenarios.ts`);
    expect(seed1['system-out']).toContain(`trace: ${join(traces, 'user.odd-fails-1.jsonl')}`);
    expect(odd.cases.find((c) => c.name === 'user/odd-fails seed 2')!.failure).toBeUndefined();
    const thrown = report.suites.find((s) => s.name === 'user/throws')!.cases.find((c) => c.name === 'user/throws seed 3')!;
    expect(thrown.error?.message).toBe('Error: boom <3> & "quoted"');
  });

  test('a named scenario from a file runs next to a built-in one; file arguments work like the glob', async () => {
    const { code, stdout } = await run([`${FIXTURES}/user-scenarios.ts`, 'user/steady', 'echo-basic', '--seed', '2', '--no-trace']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/echo-basic\s+2\s+pass/);
    expect(stdout).toMatch(/user\/steady\s+2\s+pass/);
    expect(stdout).not.toContain('user/odd-fails');
  });

  test('--shard i/n splits the runs: the shards together are every run, each once', async () => {
    const names: string[] = [];
    for (const shard of ['1/3', '2/3', '3/3']) {
      const junit = join(out, `shard-${shard.replace('/', 'of')}.xml`);
      const { stdout } = await run(['--scenarios', `${FIXTURES}/user-scenarios.ts`, '--seeds', '1..5', '--shard', shard, '--junit', junit, '--no-trace']);
      expect(stdout).toContain(`(shard ${shard})`);
      for (const suite of parseJunit(junit).suites) names.push(...suite.cases.map((c) => c.name));
    }
    expect(names).toHaveLength(15);
    expect(new Set(names).size).toBe(15);
    await expect(run(['echo-basic', '--shard', '4/3'])).rejects.toThrow(UsageError);
  });

  test('bad scenario files are usage errors that say why', async () => {
    await expect(run(['--scenarios', `${FIXTURES}/nothing-*.ts`])).rejects.toThrow(/matches no file/);
    await expect(run(['--scenarios', `${FIXTURES}/no-scenarios.ts`])).rejects.toThrow(/exports no scenario/);
    await expect(run(['--scenarios', `${FIXTURES}/clashing-scenario.ts`])).rejects.toThrow(/echo-basic is registered twice/);
    await expect(run(['--scenarios', `${FIXTURES}/missing.ts`])).rejects.toThrow(/cannot load/);
  });
});
