// Tests for the model: datagrams join send -> nat -> deliver/drop by id, drops land where
// they happened, faults pair start with end, and window queries find what is visible.
import { describe, expect, it } from 'vitest';
import { buildModel, lowerBound } from '../../../../viz/src/model/model.ts';
import { datagramPath } from '../../../../viz/src/model/path.ts';
import { parseTrace } from '../../../../viz/src/trace/parse.ts';
import { syntheticTrace } from '../../synthetic-trace.ts';

describe('buildModel', () => {
  it('joins a synthetic trace with the documented counts', () => {
    const s = syntheticTrace({ events: 2000, seed: 3 });
    const m = buildModel(parseTrace(s.text));
    expect(m.lanes.map((l) => l.name)).toEqual(['a', 'nat-a', 'rendezvous', 'nat-b', 'b']);
    expect(m.datagrams).toHaveLength(s.counts.sends);
    expect(m.drops).toHaveLength(s.counts.drops);
    expect(m.datagrams.reduce((n, d) => n + d.nats.length, 0)).toBe(s.counts.nats);
    expect(m.faults).toHaveLength(1);
    expect(m.faults[0]!.to_ms).toBeGreaterThan(m.faults[0]!.from_ms);
    for (let i = 1; i < m.datagrams.length; i++) expect(m.datagrams[i]!.t0).toBeGreaterThanOrEqual(m.datagrams[i - 1]!.t0);
    expect(m.stats.length).toBeGreaterThan(0);
  });

  it('draws a hop path through the NATs and a filtered drop at the far NAT', () => {
    const text = syntheticTrace({ events: 200, seed: 1 }).text;
    const m = buildModel(parseTrace(text));
    const filtered = m.datagrams.find((d) => d.ends[0]?.kind === 'drop' && d.ends[0].reason === 'nat-filtered')!;
    const path = datagramPath(m, filtered);
    expect(path.segments.map((s) => [s.from.lane, s.to.lane])).toEqual([[filtered.send!.node === 'a' ? 0 : 4, filtered.send!.node === 'a' ? 1 : 3], filtered.send!.node === 'a' ? [1, 3] : [3, 1]]);
    expect(path.drops[0]!.at.lane).toBe(filtered.send!.node === 'a' ? 3 : 1);
    const delivered = m.datagrams.find((d) => d.ends[0]?.kind === 'deliver' && d.nats.length === 2)!;
    expect(datagramPath(m, delivered).segments).toHaveLength(3);
    expect(datagramPath(m, delivered).natHops).toHaveLength(2);
  });

  it('draws an uplink loss half a lane towards where the datagram was headed', () => {
    const m = buildModel(parseTrace(syntheticTrace({ events: 4000, seed: 5 }).text));
    const lost = m.datagrams.find((d) => d.ends[0]?.kind === 'drop' && d.ends[0].reason === 'loss' && d.send?.node === 'a')!;
    const at = datagramPath(m, lost).drops[0]!.at;
    // headed for nat-b's external address (lane 3) from lane 0: dies on a's uplink
    expect(at.lane).toBe(0.5);
  });

  it('lowerBound finds the first index at or after a value', () => {
    const xs = [1, 2, 2, 5, 9];
    expect([0, 1, 2, 3, 5, 9, 10].map((v) => lowerBound(xs, v, (x) => x))).toEqual([0, 0, 1, 3, 3, 4, 5]);
  });
});

describe('real traces', () => {
  it('give the far end of one-sided exchanges a lane and draw them across', () => {
    const text = [
      '{"v":1,"kind":"run","peerlab":"0.1.0","world":"real","scenario":"echo-client","seed":null,"started":"2026-11-21T14:07:56.818Z","topology":{"nodes":[{"name":"client","type":"host"}],"realms":[{"name":"internet"}]}}',
      '{"t":3.5,"kind":"send","node":"client","id":"client#1","src":"0.0.0.0:35430","dst":"127.0.0.1:47011","bytes":48,"proto":"echo"}',
      '{"t":24.8,"kind":"deliver","node":"client","id":"client#2","src":"127.0.0.1:47011","dst":"0.0.0.0:35430","bytes":48}',
    ].join('\n');
    const m = buildModel(parseTrace(text));
    expect(m.lanes.map((l) => l.name)).toEqual(['client', '127.0.0.1:47011']);
    const [out, back] = m.datagrams;
    expect(datagramPath(m, out!).segments.map((s) => [s.from.lane, s.to.lane, s.to.t])).toEqual([[0, 1, 3.5]]);
    expect(datagramPath(m, back!).segments.map((s) => [s.from.lane, s.to.lane, s.to.t])).toEqual([[1, 0, 24.8]]);
  });
});
