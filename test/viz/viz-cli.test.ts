// `peerlab viz a.jsonl b.jsonl --out m.jsonl` as a process, on two small per-side fixtures
// with a known clock offset (B's clock 5,000 ms ahead, one-way delays 4 and 6 ms): it writes
// a merged trace whose header states the offset and its error bound, prints the note, and
// refuses (exit 2, one line, no stack) what it cannot merge. The loopback run of a real
// connect is in e2e-merge.test.ts. Reproduce: npx vitest run test/viz/viz-cli.test.ts
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, STACK_FRAME } from '../runtime-node/cli/run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'peerlab-viz-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header = (name: string, ip: string, world = 'real'): string => JSON.stringify({ v: 1, kind: 'run', world, scenario: `connect/${name}`, started: '2026-01-01T00:00:00.000Z', topology: { nodes: [{ name, type: 'host', ips: [ip] }], realms: [{ name: 'internet' }] } });
const A = '10.0.0.1:1000';
const B = '10.0.0.2:2000';
const OFFSET = 5000;
const lines = (records: unknown[]): string => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
const a = join(dir, 'a.jsonl');
const b = join(dir, 'b.jsonl');
writeFileSync(
  a,
  lines([
    header('a', '10.0.0.1'),
    { t: 10, kind: 'send', node: 'a', id: 'a#1', src: A, dst: B, bytes: 55, proto: 'punch' },
    { t: 30, kind: 'deliver', node: 'a', id: 'a#2', src: B, dst: A, bytes: 60 },
  ]),
);
writeFileSync(
  b,
  lines([
    header('b', '10.0.0.2'),
    { t: 10 + 4 + OFFSET, kind: 'deliver', node: 'b', id: 'b#1', src: A, dst: B, bytes: 55 },
    { t: 24 + OFFSET, kind: 'send', node: 'b', id: 'b#2', src: B, dst: A, bytes: 60, proto: 'punch' },
  ]),
);

describe('peerlab viz a.jsonl b.jsonl', () => {
  it('writes the merged trace with the offset and its error bound', async () => {
    const out = join(dir, 'merged.jsonl');
    const r = await runCli(['viz', a, b, '--out', out], 30_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`merged trace: ${out}`);
    // θ ≤ 4 + 5000 (A→B), θ ≥ 5000 − 6 (B→A): 4999 ± 5
    expect(r.stderr).toContain("b's clock moved by -4999.000 ms ± 5.000 ms, from the handshake");
    const merged = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(merged[0]!.merge).toMatchObject({ offset_ms: 4999, error_ms: 5, method: 'handshake', matched: 2 });
    const ids = merged.slice(1).filter((e) => e.kind === 'send' || e.kind === 'deliver').map((e) => e.id);
    expect(ids.sort()).toEqual(['a#1', 'a#1', 'b#2', 'b#2']);
  }, 60_000);

  it('refuses what it cannot merge, in one line', async () => {
    const sim = join(dir, 'sim.jsonl');
    writeFileSync(sim, lines([header('s', '10.0.0.3', 'sim')]));
    for (const [args, says] of [
      [['viz', a, b, a], /takes one trace file, or the two sides of one connect/],
      [['viz', a, '--out', join(dir, 'x.jsonl')], /--out writes a merge: give two trace files/],
      [['viz', a, sim], /cannot merge .* not a real trace/],
      [['viz', a, a, '--out', join(dir, 'y.jsonl')], /both traces are of node "a"/],
      [['viz', a, join(dir, 'missing.jsonl')], /no such trace file/],
    ] as const) {
      const r = await runCli([...args], 30_000);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(says);
      expect(r.stderr).not.toMatch(STACK_FRAME);
    }
  }, 120_000);
});
