// Link model: each LinkConfig feature on its own, through Link.pass() and through a running
// simulator, plus the Gilbert–Elliott long-run loss property.
import { describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { addr } from '../../protocol/core/addr.ts';
import { DROP_CORRUPT, DROP_LOSS, DROP_MTU, DROP_QUEUE, Link, LinkConfigError, gilbertElliottStationaryLoss } from '../../runtime-sim/link.ts';
import type { LinkConfig } from '../../runtime-sim/link.ts';
import { rootRng } from '../../runtime-sim/random.ts';
import { MemorySink, Simulator } from '../../runtime-sim/index.ts';
import { Probe } from './fixtures.ts';

/** Two public hosts, `a` with `link` on both its directions; returns what b received. */
function pair(link: LinkConfig, sends: number, size_bytes = 10, seed = 1, gap_ms = 0) {
  const sink = new MemorySink();
  const sim = new Simulator({ seed, trace: sink });
  const a = sim.addHost({ name: 'a', ips: ['198.51.100.1'], link });
  const b = sim.addHost({ name: 'b', ips: ['198.51.100.2'] });
  const pa = new Probe();
  const pb = new Probe();
  const ha = sim.run(a, pa, { port: 1000 });
  sim.run(b, pb, { port: 2000 });
  for (let i = 0; i < sends; i++) {
    sim.at(i * gap_ms, () => {
      const data = new Uint8Array(size_bytes);
      data[0] = i & 255;
      data[1] = i >> 8;
      ha.command({ type: 'send', to: addr('198.51.100.2', 2000), data });
    });
  }
  sim.runUntilIdle();
  return { sim, sink, received: pb.received };
}

describe('Link.pass', () => {
  const rng = rootRng(1);

  it('is 0 ms with no draws when nothing is configured', () => {
    const link = new Link('up:x');
    const before = rng.draws;
    expect(link.pass(0, 100, rng)).toBe(0);
    expect(rng.draws).toBe(before);
  });

  it('drops oversize datagrams (default MTU 1500) without a draw', () => {
    const link = new Link('up:x', { latency: { kind: 'fixed', ms: 3 } });
    expect(link.pass(0, 1500, rng)).toBe(3);
    expect(link.pass(0, 1501, rng)).toBe(DROP_MTU);
    expect(new Link('up:y', { mtu_bytes: 100 }).pass(0, 101, rng)).toBe(DROP_MTU);
  });

  it('samples uniform and normal latency inside their bounds', () => {
    const uniform = new Link('u', { latency: { kind: 'uniform', min_ms: 10, max_ms: 20 } });
    const normal = new Link('n', { latency: { kind: 'normal', mean_ms: 50, stddev_ms: 5 } });
    let sum = 0;
    for (let i = 0; i < 2000; i++) {
      const d = uniform.pass(0, 1, rng);
      expect(d).toBeGreaterThanOrEqual(10);
      expect(d).toBeLessThanOrEqual(20);
      sum += normal.pass(0, 1, rng);
    }
    expect(sum / 2000).toBeCloseTo(50, 0);
  });

  it('uses a function latency and clamps it at 0', () => {
    const link = new Link('f', { latency: { kind: 'function', sample: (r) => (r.nextFloat() < 2 ? -5 : 0) } });
    expect(link.pass(0, 1, rng)).toBe(0);
    expect(new Link('g', { latency: { kind: 'function', sample: () => 42 } }).pass(0, 1, rng)).toBe(42);
  });

  it('adds jitter within ±jitter_ms', () => {
    const link = new Link('j', { latency: { kind: 'fixed', ms: 20 }, jitter_ms: 5 });
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const d = link.pass(0, 1, rng);
      expect(d).toBeGreaterThanOrEqual(15);
      expect(d).toBeLessThanOrEqual(25);
      seen.add(Math.round(d));
    }
    expect(seen.size).toBeGreaterThan(5);
  });

  it('serialises at bandwidth_bps and drops at the queue limit', () => {
    // 8000 bps = 1 byte per ms; 100-byte datagrams take 100 ms each; the queue holds 250 bytes.
    const link = new Link('bw', { bandwidth_bps: 8000, queue_bytes: 250 });
    expect(link.pass(0, 100, rng)).toBe(100);
    expect(link.pass(0, 100, rng)).toBe(200);
    expect(link.queuedBytes(0)).toBe(200);
    expect(link.pass(0, 100, rng)).toBe(DROP_QUEUE);
    expect(link.queuedBytes(150)).toBe(50);
    expect(link.pass(150, 100, rng)).toBe(150);
  });

  it('corrupts one bit, or drops with udp_checksum', () => {
    const link = new Link('c', { corrupt_p: 1 });
    expect(link.pass(0, 4, rng)).toBe(0);
    expect(link.corrupt_bit).toBeGreaterThanOrEqual(0);
    expect(link.corrupt_bit).toBeLessThan(32);
    expect(new Link('d', { corrupt_p: 1, udp_checksum: true }).pass(0, 4, rng)).toBe(DROP_CORRUPT);
  });

  it('loses everything at p = 1 and nothing at p = 0', () => {
    expect(new Link('l', { loss: { kind: 'bernoulli', p: 1 } }).pass(0, 1, rng)).toBe(DROP_LOSS);
    expect(new Link('l', { loss: { kind: 'bernoulli', p: 0 } }).pass(0, 1, rng)).toBe(0);
  });

  it('rejects impossible configs with a typed error', () => {
    expect(() => new Link('x', { loss: { kind: 'bernoulli', p: 1.5 } })).toThrow(LinkConfigError);
    expect(() => new Link('x', { latency: { kind: 'uniform', min_ms: 5, max_ms: 1 } })).toThrow(LinkConfigError);
    expect(() => new Link('x', { jitter_ms: -1 })).toThrow(LinkConfigError);
  });

  test.prop(
    [
      fc.double({ min: 0.01, max: 0.5, noNaN: true }),
      fc.double({ min: 0.05, max: 0.9, noNaN: true }),
      fc.double({ min: 0, max: 0.1, noNaN: true }),
      fc.double({ min: 0.3, max: 1, noNaN: true }),
      fc.integer(),
    ],
    { numRuns: 25 },
  )('Gilbert–Elliott long-run loss is close to its stationary rate', (p_good_to_bad, p_bad_to_good, loss_good, loss_bad, seed) => {
    const loss = { kind: 'gilbert-elliott' as const, p_good_to_bad, p_bad_to_good, loss_good, loss_bad };
    const link = new Link('ge', { loss });
    const r = rootRng(seed);
    const n = 60_000;
    let lost = 0;
    for (let i = 0; i < n; i++) if (link.pass(0, 1, r) === DROP_LOSS) lost++;
    // Bursts make samples correlated; the tolerance allows for the mean burst length.
    const expected = gilbertElliottStationaryLoss(loss);
    const burst = 1 / p_bad_to_good + 1 / p_good_to_bad;
    const tolerance = 4 * Math.sqrt((expected * (1 - expected) * burst) / n) + 0.005;
    expect(Math.abs(lost / n - expected)).toBeLessThan(tolerance);
  });

  it('Gilbert–Elliott losses come in bursts', () => {
    const link = new Link('ge', { loss: { kind: 'gilbert-elliott', p_good_to_bad: 0.01, p_bad_to_good: 0.2, loss_good: 0, loss_bad: 1 } });
    const r = rootRng(3);
    let runs = 0;
    let lost = 0;
    let previous = false;
    for (let i = 0; i < 50_000; i++) {
      const now = link.pass(0, 1, r) === DROP_LOSS;
      if (now) lost++;
      if (now && !previous) runs++;
      previous = now;
    }
    // Mean burst length 1 / p_bad_to_good = 5 datagrams.
    expect(lost / runs).toBeGreaterThan(3.5);
    expect(lost / runs).toBeLessThan(6.5);
  });
});

describe('links in a running simulator', () => {
  it('delays by the latency of the sender uplink', () => {
    const { received, sink } = pair({ latency: { kind: 'fixed', ms: 25 } }, 1);
    expect(received.map((r) => r.at)).toEqual([25]);
    expect(sink.ofKind('deliver')[0]).toMatchObject({ t: 25, node: 'b', id: 1 });
  });

  it('traces mtu drops with the link that dropped them', () => {
    const { received, sink, sim } = pair({ mtu_bytes: 100 }, 1, 101);
    expect(received).toHaveLength(0);
    expect(sink.ofKind('drop')[0]).toMatchObject({ reason: 'mtu', node: 'a', where: 'up:a', id: 1, bytes: 101 });
    expect(sim.stats.drops.mtu).toBe(1);
  });

  it('loses about p of the datagrams', () => {
    const { received, sim } = pair({ loss: { kind: 'bernoulli', p: 0.3 } }, 2000);
    expect(received.length / 2000).toBeGreaterThan(0.64);
    expect(received.length / 2000).toBeLessThan(0.76);
    expect(sim.stats.drops.loss + received.length).toBe(2000);
  });

  it('duplicates with a fresh id and dup_of', () => {
    const { received, sink, sim } = pair({ duplicate_p: 1 }, 3);
    expect(received).toHaveLength(6);
    // The up and down links are both configured on a, only the uplink is crossed, so each
    // datagram is copied once.
    const copies = sink.ofKind('send').filter((r) => r.dup_of !== undefined);
    expect(copies).toHaveLength(3);
    const delivered = new Set(sink.ofKind('deliver').map((r) => r.id));
    for (const c of copies) expect(delivered.has(c.id)).toBe(true);
    expect(sim.stats.copies).toBe(3);
  });

  it('reorders: a delayed datagram is overtaken', () => {
    const { received } = pair({ reorder_p: 0.5, reorder_delay_ms: 10 }, 40, 10, 5, 1);
    const order = received.map((r) => r.data[0]!);
    expect(order).toHaveLength(40);
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(40);
  });

  it('delivers corrupted datagrams marked, or drops them with udp_checksum', () => {
    const marked = pair({ corrupt_p: 1 }, 2);
    expect(marked.received).toHaveLength(2);
    expect(marked.sink.ofKind('deliver').every((d) => d.corrupted === true)).toBe(true);
    expect(marked.sim.stats.corrupted).toBe(2);
    const dropped = pair({ corrupt_p: 1, udp_checksum: true }, 2);
    expect(dropped.received).toHaveLength(0);
    expect(dropped.sim.stats.drops.corrupt).toBe(2);
  });

  it('a corrupted datagram differs from the original in exactly one bit', () => {
    const { received } = pair({ corrupt_p: 1 }, 1, 10);
    const original = new Uint8Array(10);
    const bits = received[0]!.data.reduce((n, byte, i) => n + popcount(byte ^ original[i]!), 0);
    expect(bits).toBe(1);
  });

  it('bandwidth spaces datagrams and tail-drops what does not fit', () => {
    // 80,000 bps = 10 bytes per ms; 100-byte datagrams take 10 ms; 350 bytes of queue.
    const { received, sim } = pair({ bandwidth_bps: 80_000, queue_bytes: 350 }, 6, 100);
    expect(received.map((r) => r.at)).toEqual([10, 20, 30]);
    expect(sim.stats.drops.queue).toBe(3);
  });

  it('setLink changes a link mid-run', () => {
    const sim = new Simulator({ seed: 1 });
    const a = sim.addHost({ name: 'a', ips: ['198.51.100.1'] });
    sim.addHost({ name: 'b', ips: ['198.51.100.2'] });
    const pb = new Probe();
    const ha = sim.run('a', new Probe(), { port: 1 });
    sim.run('b', pb, { port: 2 });
    const send = () => ha.command({ type: 'send', to: addr('198.51.100.2', 2), data: new Uint8Array(1) });
    send();
    sim.runFor(10);
    sim.setLink('a', { latency: { kind: 'fixed', ms: 40 } }, 'up');
    send();
    sim.runFor(100);
    expect(pb.received.map((r) => r.at)).toEqual([0, 50]);
    void a;
  });
});

function popcount(x: number): number {
  let n = 0;
  for (let v = x; v; v &= v - 1) n++;
  return n;
}
