// The viewer's Chord ring model rebuilt from a real scenario trace: at the end of chord/dict
// the ring view holds the 8 joined nodes, each successor edge points at the next id round the
// ring, finger sets were traced; before anyone joined it is empty; a lookup's hops are kept.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registry } from '../../../../scenarios/index.ts';
import { runScenario } from '../../../../scenarios/runner.ts';
import { parseTrace } from '../../../../viz/src/trace/parse.ts';
import { angleOf, chordRingAt, hasChord, lookupsOf } from '../../../../viz/src/model/chord-ring.ts';

describe('chord ring model (viewer)', () => {
  it('rebuilds the ring of chord/dict from its trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chord-ring-'));
    try {
      const scenario = registry.scenarios().find((s) => s.name === 'chord/dict')!;
      const result = await runScenario(scenario, 1, { traceDir: dir });
      expect(result.failures, result.reproduce).toEqual([]);
      const trace = parseTrace(readFileSync(result.trace!.path!, 'utf8'));
      expect(hasChord(trace.events)).toBe(true);
      expect(chordRingAt(trace.events, -1).nodes.size).toBe(0);
      const ring = chordRingAt(trace.events, Infinity);
      expect(ring.nodes.size).toBe(8);
      const ids = [...ring.nodes.values()].map((n) => n.id).sort();
      for (const n of ring.nodes.values()) expect(n.successor).toBe(ids[(ids.indexOf(n.id) + 1) % ids.length]);
      expect([...ring.nodes.values()].some((n) => n.fingers.length > 0)).toBe(true);
      const a = angleOf(ids[0]!, ring.digits);
      const b = angleOf(ids[7]!, ring.digits);
      expect(a).toBeLessThan(b);
      expect(b).toBeLessThan(2 * Math.PI);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('keeps the last lookup before the cursor with its path', () => {
    const ev = (t: number, node: string, name: string, data: unknown) => ({ kind: 'event' as const, t, node, name, data, line: t, raw: {} });
    const events = [
      ev(1, 'a', 'joined', { id: '10', successor: { id: '80', addr: 'x' } }),
      ev(2, 'b', 'joined', { id: '80', successor: { id: '10', addr: 'y' } }),
      ev(3, 'a', 'lookup-result', { op: 1, target: '70', successor: { id: '80', addr: 'y' }, hops: 1, path: ['40'], timeouts: 0 }),
      ev(4, 'b', 'left', {}),
    ];
    expect(chordRingAt(events, 3).lookup).toEqual({ index: 0, node: 'a', t: 3, target: '70', path: ['40'], successor: '80' });
    expect(chordRingAt(events, 2).lookup).toBeUndefined();
    expect([...chordRingAt(events, 4).nodes.keys()]).toEqual(['a']);
    // every lookup, in order; a chosen one replaces the cursor's default
    const more = [...events, ev(5, 'a', 'lookup-result', { target: '20', successor: { id: '10' }, path: [] })];
    const all = lookupsOf(more);
    expect(all.map((l) => [l.index, l.t, l.target])).toEqual([
      [0, 3, '70'],
      [1, 5, '20'],
    ]);
    expect(chordRingAt(more, 9).lookup?.index).toBe(1);
    expect(chordRingAt(more, 9, all[0]).lookup?.index).toBe(0);
  });
});
