// Partitions: one-way and two-way cuts between node sets, cut and healed on schedule, traced
// as fault start/end, checked on arrival (so a datagram in flight when the cut starts dies).
import { describe, expect, it } from 'vitest';
import { addr } from '../../protocol/core/addr.ts';
import { MemorySink, PartitionError, Simulator } from '../../runtime-sim/index.ts';
import { Probe, bytes } from './fixtures.ts';

function twoHosts() {
  const sink = new MemorySink();
  const sim = new Simulator({ seed: 3, trace: sink });
  sim.addHost({ name: 'a', ips: ['198.51.100.1'], link: { latency: { kind: 'fixed', ms: 5 } } });
  sim.addHost({ name: 'b', ips: ['198.51.100.2'] });
  const pa = new Probe();
  const pb = new Probe();
  const ha = sim.run('a', pa, { port: 1 });
  const hb = sim.run('b', pb, { port: 2 });
  // Each side sends one datagram every 10 ms from t = 0 to t = 90.
  for (let t = 0; t < 100; t += 10) {
    sim.at(t, () => {
      ha.command({ type: 'send', to: addr('198.51.100.2', 2), data: bytes(t) });
      hb.command({ type: 'send', to: addr('198.51.100.1', 1), data: bytes(t) });
    });
  }
  return { sim, sink, pa, pb };
}

describe('partitions', () => {
  it('two-way: nothing crosses while cut, everything after the heal', () => {
    const { sim, sink, pa, pb } = twoHosts();
    sim.partition({ a: ['a'], b: ['b'], from: 20, until: 60 });
    sim.runFor(200);
    // a → b takes 5 ms: sent at 20..50 arrive at 25..55 (cut); sent at 60 arrives at 65.
    expect(pb.received.map((r) => r.data[0])).toEqual([0, 10, 60, 70, 80, 90]);
    // b → a takes 5 ms as well (a's downlink).
    expect(pa.received.map((r) => r.data[0])).toEqual([0, 10, 60, 70, 80, 90]);
    expect(sim.stats.drops.partition).toBe(8);
    const faults = sink.ofKind('fault');
    expect(faults.map((f) => [f.t, f.name, f.state])).toEqual([
      [20, 'partition', 'start'],
      [60, 'partition', 'end'],
    ]);
    expect(faults[0]!.detail).toEqual({ a: ['a'], b: ['b'], one_way: false });
  });

  it('one-way: only a → b is cut', () => {
    const { sim, pa, pb } = twoHosts();
    sim.partition({ a: ['a'], b: ['b'], oneWay: true, from: 0, until: 100 });
    sim.runFor(200);
    expect(pb.received).toHaveLength(0);
    expect(pa.received).toHaveLength(10);
  });

  it('a datagram in flight when the cut starts is dropped on arrival', () => {
    const { sim, sink } = twoHosts();
    sim.partition({ a: ['a'], b: ['b'], from: 3, until: 4 });
    sim.runFor(10);
    // a's datagram sent at 0 arrives at 5: after the heal at 4, so it survives; b's arrives at 5 too.
    expect(sink.ofKind('drop')).toHaveLength(0);
    const again = twoHosts();
    again.sim.partition({ a: ['a'], b: ['b'], from: 3, until: 8 });
    again.sim.runFor(10);
    // Both first datagrams (a → b, b → a) are in flight at 3 and arrive at 5, inside the cut.
    expect(again.sink.ofKind('drop').map((d) => [d.t, d.node, d.reason])).toEqual([
      [5, 'b', 'partition'],
      [5, 'a', 'partition'],
    ]);
  });

  it('cuts hosts behind NATs by their own names, and heal() ends it early', () => {
    const sink = new MemorySink();
    const sim = new Simulator({ seed: 1, trace: sink });
    const nat = sim.addNat({ name: 'nat', preset: 'full-cone', insideSubnet: '10.0.0.0/24' });
    sim.addHost({ name: 'a', realm: nat.inside });
    sim.addHost({ name: 's', ips: ['198.51.100.1'] });
    const ps = new Probe();
    const ha = sim.run('a', new Probe(), { port: 1 });
    sim.run('s', ps, { port: 2 });
    const cut = sim.partition({ a: ['a'], b: ['s'] });
    ha.command({ type: 'send', to: addr('198.51.100.1', 2), data: bytes(1) });
    sim.runFor(10);
    expect(ps.received).toHaveLength(0);
    expect(sink.ofKind('drop')[0]).toMatchObject({ node: 's', reason: 'partition' });
    sim.heal(cut);
    ha.command({ type: 'send', to: addr('198.51.100.1', 2), data: bytes(2) });
    sim.runFor(10);
    expect(ps.received).toHaveLength(1);
  });

  it('a cut between NAT names cuts the path between them', () => {
    const sim = new Simulator({ seed: 1 });
    const n1 = sim.addNat({ name: 'n1', preset: 'full-cone', insideSubnet: '10.0.1.0/24' });
    const n2 = sim.addNat({ name: 'n2', preset: 'full-cone', insideSubnet: '10.0.2.0/24' });
    sim.addHost({ name: 'a', realm: n1.inside });
    sim.addHost({ name: 'b', realm: n2.inside });
    const pb = new Probe();
    const ha = sim.run('a', new Probe(), { port: 1 });
    const hb = sim.run('b', pb, { port: 2 });
    // b opens its full-cone mapping first, so a can reach it.
    hb.command({ type: 'send', to: addr([...n1.externalIps][0]!, 9), data: bytes(0) });
    sim.runFor(5);
    sim.partition({ a: ['n1'], b: ['n2'] });
    ha.command({ type: 'send', to: addr([...n2.externalIps][0]!, 2), data: bytes(1) });
    sim.runFor(5);
    expect(pb.received).toHaveLength(0);
    expect(sim.stats.drops.partition).toBe(1);
  });

  it('rejects unknown nodes and overlapping sides', () => {
    const { sim } = twoHosts();
    expect(() => sim.partition({ a: ['a'], b: ['zz'] })).toThrow(PartitionError);
    expect(() => sim.partition({ a: ['a'], b: ['a', 'b'] })).toThrow(PartitionError);
    expect(() => sim.partition({ a: ['a'], b: ['b'], from: 10, until: 5 })).toThrow(PartitionError);
  });
});
