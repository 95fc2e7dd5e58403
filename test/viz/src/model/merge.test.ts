// Merging the two sides of a real connect (viz/src/model/merge.ts) on synthetic traces with
// a known clock offset and known one-way delays: the estimate brackets the true offset within
// its stated error bound, the bound is half the fastest round trip, each datagram seen on
// both sides becomes one id, a lost datagram is skipped rather than shifting the matches,
// rendezvous traffic stays one-sided, and B's events land on A's clock. Property: for any
// offset and delays (fixed fast-check seed), |estimate − truth| ≤ error.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { estimateClock, mergeTraces, MergeError, parseSide, type SideTrace, type TraceRecord } from '../../../../viz/src/model/merge.ts';

const A = '10.0.0.1:1000';
const B = '10.0.0.2:2000';
const S = '192.0.2.1:3478';

interface Exchange {
  /** A's clock when A sends */
  readonly t_a: number;
  readonly dir: 'ab' | 'ba';
  readonly delay_ms: number;
  readonly bytes: number;
  readonly lost?: boolean;
}

/** Both sides' traces of exchanges, B's clock = A's clock + offset. */
function sides(offset_ms: number, exchanges: readonly Exchange[]): { a: SideTrace; b: SideTrace } {
  const a: TraceRecord[] = [];
  const b: TraceRecord[] = [];
  let n = 0;
  // each side talks to the rendezvous too: never matched
  a.push({ t: 0, kind: 'send', node: 'a', id: `a#${++n}`, src: A, dst: S, bytes: 28, proto: 'stun' });
  b.push({ t: offset_ms + 1, kind: 'send', node: 'b', id: `b#${++n}`, src: B, dst: S, bytes: 28, proto: 'stun' });
  for (const x of exchanges) {
    const id = ++n;
    if (x.dir === 'ab') {
      a.push({ t: x.t_a, kind: 'send', node: 'a', id: `a#${id}`, src: A, dst: B, bytes: x.bytes, proto: 'punch' });
      if (!x.lost) b.push({ t: x.t_a + x.delay_ms + offset_ms, kind: 'deliver', node: 'b', id: `b#${id}`, src: A, dst: B, bytes: x.bytes });
    } else {
      b.push({ t: x.t_a + offset_ms, kind: 'send', node: 'b', id: `b#${id}`, src: B, dst: A, bytes: x.bytes, proto: 'punch' });
      if (!x.lost) a.push({ t: x.t_a + x.delay_ms, kind: 'deliver', node: 'a', id: `a#${id}`, src: B, dst: A, bytes: x.bytes });
    }
  }
  b.push({ t: offset_ms + 50, kind: 'timer', node: 'b', at: offset_ms + 60 });
  const sort = (r: TraceRecord[]): TraceRecord[] => r.sort((x, y) => (x.t as number) - (y.t as number));
  const header = (name: string, ip: string, started: string): TraceRecord => ({ v: 1, kind: 'run', world: 'real', scenario: `connect/${name}`, started, topology: { nodes: [{ name, type: 'host', ips: [ip] }], realms: [{ name: 'internet' }] } });
  return { a: { header: header('a', '10.0.0.1', '2026-01-01T00:00:10.000Z'), events: sort(a) }, b: { header: header('b', '10.0.0.2', '2026-01-01T00:00:09.000Z'), events: sort(b) } };
}

describe('merging the two sides of a real connect', () => {
  const offset = 1234.5;
  const exchanges: Exchange[] = [
    { t_a: 10, dir: 'ab', delay_ms: 12, bytes: 55 },
    { t_a: 30, dir: 'ba', delay_ms: 9, bytes: 55 },
    { t_a: 40, dir: 'ab', delay_ms: 7, bytes: 96 },
    { t_a: 41, dir: 'ab', delay_ms: 8, bytes: 96, lost: true },
    { t_a: 42, dir: 'ab', delay_ms: 30, bytes: 120 },
    { t_a: 60, dir: 'ba', delay_ms: 6, bytes: 48 },
  ];

  it('bounds the offset by the fastest datagram each way and states the error', () => {
    const { a, b } = sides(offset, exchanges);
    const m = mergeTraces(a, b);
    // θ ≤ offset + 7 (fastest A→B), θ ≥ offset − 6 (fastest B→A)
    expect(m.clock.method).toBe('handshake');
    expect(m.clock.offset_ms).toBeCloseTo(offset + 0.5, 9);
    expect(m.clock.error_ms).toBeCloseTo(6.5, 9);
    expect(m.clock.forward).toBe(3);
    expect(m.clock.backward).toBe(2);
    expect(m.clock.wall_offset_ms).toBe(1000);
    expect(m.matched).toBe(5);
  });

  it('gives each datagram one id, skips the lost one, and moves B onto A’s clock', () => {
    const { a, b } = sides(offset, exchanges);
    const m = mergeTraces(a, b);
    const byId = new Map<unknown, TraceRecord[]>();
    for (const e of m.events) if (e.id !== undefined) byId.set(e.id, [...(byId.get(e.id) ?? []), e]);
    const pairs = [...byId.values()].filter((v) => v.length === 2);
    expect(pairs.length).toBe(5);
    for (const [send, deliver] of pairs.map((p) => p.sort((x) => (x.kind === 'send' ? -1 : 1)))) {
      expect(send!.kind).toBe('send');
      expect(deliver!.kind).toBe('deliver');
      expect(deliver!.bytes).toBe(send!.bytes);
      expect(deliver!.node).not.toBe(send!.node);
      // on A's clock within the error bound: delivery − send = the true delay ± error
      expect(deliver!.t as number).toBeGreaterThanOrEqual(send!.t as number);
    }
    // the 120-byte datagram after the lost 96-byte one still pairs with its own send (30 ms late)
    const big = pairs.find((p) => p[0]!.bytes === 120)!;
    expect(Math.abs((big[1]!.t as number) - (big[0]!.t as number) - 30)).toBeLessThanOrEqual(m.clock.error_ms + 1e-9);
    // rendezvous traffic and the lost send stay one-sided
    expect([...byId.values()].filter((v) => v.length === 1).length).toBe(3);
    const timer = m.events.find((e) => e.kind === 'timer')!;
    expect(timer.t as number).toBeCloseTo(50 - 0.5, 9);
    expect(timer.at as number).toBeCloseTo(60 - 0.5, 9);
    // sorted by time, a note first, both nodes in the topology
    const ts = m.events.map((e) => e.t as number);
    expect(ts).toEqual([...ts].sort((x, y) => x - y));
    expect(m.events[0]!.kind).toBe('log');
    expect(String(m.events[0]!.message)).toMatch(/± 6\.500 ms, from the handshake/);
    expect((m.header.topology as { nodes: { name: string }[] }).nodes.map((n) => n.name)).toEqual(['a', 'b']);
  });

  test.prop([fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.array(fc.record({ dir: fc.constantFrom<'ab' | 'ba'>('ab', 'ba'), delay_ms: fc.double({ min: 0.05, max: 400, noNaN: true }), bytes: fc.integer({ min: 20, max: 1400 }) }), { minLength: 2, maxLength: 40 })])(
    'the true offset lies within the stated error bound',
    (offset_ms, raw) => {
      const exchanges = raw.map((x, i) => ({ ...x, t_a: i * 500 }));
      if (!exchanges.some((x) => x.dir === 'ab') || !exchanges.some((x) => x.dir === 'ba')) return;
      const { a, b } = sides(offset_ms, exchanges);
      const m = mergeTraces(a, b);
      expect(Math.abs(m.clock.offset_ms - offset_ms)).toBeLessThanOrEqual(m.clock.error_ms + 1e-6 * Math.max(1, Math.abs(offset_ms)));
    },
  );

  it('falls back to the wall clocks without datagrams, and refuses what it cannot merge', () => {
    expect(estimateClock([], [], 250)).toMatchObject({ offset_ms: 250, error_ms: Infinity, method: 'wall-clock' });
    expect(() => estimateClock([], [], undefined)).toThrow(MergeError);
    const { a } = sides(0, exchanges);
    expect(() => mergeTraces(a, a)).toThrow(/both traces are of node "a"/);
    expect(() => parseSide('{"v":1,"kind":"run","world":"sim"}\n', 'x.jsonl')).toThrow(/not a real trace/);
    expect(() => parseSide('{"v":1,"kind":"run","world":"real"}\nnot json\n', 'x.jsonl')).toThrow(/x.jsonl line 2/);
  });
});
