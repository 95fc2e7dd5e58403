// The registry (names, suites, families, globs, duplicates), the suites the CLI promises,
// and the runner's trace files: header first with scenario, seed, topology and the version
// from package.json; file names; sha256 of the bytes written.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registry } from '../../scenarios/index.ts';
import { RegistryError, ScenarioRegistry } from '../../scenarios/registry.ts';
import { runScenario, traceFileName } from '../../scenarios/runner.ts';
import { firstDifference, TraceWriter } from '../../scenarios/trace-writer.ts';
import type { Scenario } from '../../scenarios/scenario.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function stub(name: string, suites: string[]): Scenario {
  return { name, description: name, suites, run: () => ({}), expectations: [] };
}

describe('ScenarioRegistry', () => {
  const small = new ScenarioRegistry([stub('a', ['x']), [stub('fam/one', ['x', 'y']), stub('fam/two', ['y'])]]);

  it('resolves names, suites, families and globs', () => {
    expect(small.resolve('a').map((s) => s.name)).toEqual(['a']);
    expect(small.resolve('y').map((s) => s.name)).toEqual(['fam/one', 'fam/two']);
    expect(small.resolve('fam').map((s) => s.name)).toEqual(['fam/one', 'fam/two']);
    expect(small.resolve('fam/t*').map((s) => s.name)).toEqual(['fam/two']);
    expect(() => small.resolve('nope')).toThrow(RegistryError);
  });

  it('refuses a name registered twice', () => {
    expect(() => small.with([stub('a', [])])).toThrow(/registered twice/);
  });

  it('registers the default, link and nat suites with unique names', () => {
    expect(registry.suiteNames()).toEqual(expect.arrayContaining(['default', 'link', 'nat']));
    expect(registry.suite('default').length).toBeGreaterThanOrEqual(10);
    const names = registry.scenarios().map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const scenario of registry.scenarios()) {
      expect(scenario.expectations.length, scenario.name).toBeGreaterThan(0);
      expect(scenario.description.length, scenario.name).toBeGreaterThan(10);
    }
  });
});

describe('trace files', () => {
  it('writes the header first, then events, with the package version and a matching sha256', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peerlab-trace-'));
    dirs.push(dir);
    const result = await runScenario(registry.scenario('echo-basic')!, 3, { traceDir: dir });
    expect(result.passed).toBe(true);
    const path = join(dir, 'echo-basic-3.jsonl');
    expect(result.trace?.path).toBe(path);
    const bytes = readFileSync(path);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(result.trace?.sha256);
    const lines = bytes.toString('utf8').trimEnd().split('\n');
    expect(lines.length).toBe(result.trace?.lines);
    const header = JSON.parse(lines[0]!) as Record<string, unknown>;
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(header).toMatchObject({ v: 1, kind: 'run', world: 'sim', scenario: 'echo-basic', seed: 3, peerlab: pkg.version });
    const topology = header.topology as { nodes: Array<{ name: string }> };
    expect(topology.nodes.map((n) => n.name).sort()).toEqual(['client', 'server']);
    const kinds = new Set(lines.slice(1).map((line) => (JSON.parse(line) as { kind: string }).kind));
    expect([...kinds]).toEqual(expect.arrayContaining(['send', 'deliver', 'event', 'timer']));
  });

  it('names files flat, with family slashes as dots', () => {
    expect(traceFileName('nat/cgnat', 12)).toBe('nat.cgnat-12.jsonl');
  });

  it('finds the first differing line', () => {
    expect(firstDifference(['a', 'b'], ['a', 'b'])).toBeUndefined();
    expect(firstDifference(['a', 'b'], ['a', 'c'])).toEqual({ line: 2, first: 'b', second: 'c' });
    expect(firstDifference(['a'], ['a', 'x'])).toEqual({ line: 2, first: undefined, second: 'x' });
  });

  it('hashes exactly the bytes of the lines it is given', () => {
    const writer = new TraceWriter({ keepLines: true });
    writer.write({ kind: 'log', message: 'é' });
    const summary = writer.close();
    const text = '{"kind":"log","message":"é"}\n';
    expect(summary.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(summary.bytes).toBe(Buffer.byteLength(text));
    expect(writer.lines).toEqual([text.trimEnd()]);
  });
});
