// "With zero loss and no partitions every datagram sent is delivered exactly once": random
// topologies (public hosts and hosts behind full-cone NATs, some CGNAT'd), random lossless
// link delays, jitter, reordering and roomy bandwidth queues, random traffic to public hosts.
import { describe, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { addr } from '../../protocol/core/addr.ts';
import type { LinkConfig } from '../../runtime-sim/index.ts';
import { MemorySink, Simulator } from '../../runtime-sim/index.ts';
import { Probe } from './fixtures.ts';

const linkArb: fc.Arbitrary<LinkConfig> = fc.record(
  {
    latency: fc.oneof(
      fc.record({ kind: fc.constant('fixed' as const), ms: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ kind: fc.constant('uniform' as const), min_ms: fc.constant(1), max_ms: fc.integer({ min: 1, max: 40 }) }),
    ),
    jitter_ms: fc.integer({ min: 0, max: 5 }),
    reorder_p: fc.double({ min: 0, max: 0.5, noNaN: true }),
    bandwidth_bps: fc.constantFrom(0, 1_000_000, 10_000_000),
    queue_bytes: fc.constant(10_000_000),
  },
  { requiredKeys: [] },
);

const worldArb = fc.record({
  seed: fc.integer(),
  publics: fc.array(linkArb, { minLength: 1, maxLength: 4 }),
  nats: fc.array(fc.record({ link: linkArb, cgn: fc.boolean(), hosts: fc.array(linkArb, { minLength: 1, maxLength: 3 }) }), { maxLength: 3 }),
  sends: fc.array(fc.record({ from: fc.nat(), to: fc.nat(), at: fc.integer({ min: 0, max: 200 }), size: fc.integer({ min: 0, max: 1400 }) }), { minLength: 1, maxLength: 60 }),
});

describe('delivery', () => {
  test.prop([worldArb], { numRuns: 60 })('with zero loss and no partitions every datagram is delivered exactly once', (w) => {
    const sink = new MemorySink();
    const sim = new Simulator({ seed: w.seed, trace: sink });
    const cgn = sim.addNat({ name: 'cgn', preset: 'full-cone', insideSubnet: '100.64.0.0/16' });
    const probes: Probe[] = [];
    const handles: Array<ReturnType<typeof sim.run<unknown, unknown>>> = [];
    const publicAddrs = w.publics.map((link, i) => {
      const host = sim.addHost({ name: `p${i}`, link });
      const probe = new Probe();
      probes.push(probe);
      handles.push(sim.run(host, probe, { port: 9 }) as never);
      return addr(host.ips[0]!, 9);
    });
    w.nats.forEach((n, i) => {
      const nat = sim.addNat({ name: `n${i}`, preset: 'full-cone', realm: n.cgn ? cgn.inside : sim.internet, insideSubnet: `10.0.${i}.0/24`, link: n.link });
      n.hosts.forEach((link, j) => {
        const probe = new Probe();
        probes.push(probe);
        handles.push(sim.run(sim.addHost({ name: `h${i}-${j}`, realm: nat.inside, link }), probe, { port: 9 }) as never);
      });
    });
    const expected = new Map<string, number>();
    for (const s of w.sends) {
      const from = s.from % handles.length;
      const to = publicAddrs[s.to % publicAddrs.length]!;
      // A public host does not send to itself.
      if (from < publicAddrs.length && to === publicAddrs[from]) continue;
      const key = `${to.ip}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
      sim.at(s.at, () => (handles[from] as unknown as { command(c: unknown): void }).command({ type: 'send', to, data: new Uint8Array(s.size) }));
    }
    sim.runFor(60_000);
    const sent = sink.ofKind('send');
    const delivered = sink.ofKind('deliver');
    expect(sent.length).toBe([...expected.values()].reduce((a, b) => a + b, 0));
    expect(sink.ofKind('drop')).toEqual([]);
    expect(delivered).toHaveLength(sent.length);
    expect(new Set(delivered.map((d) => d.id))).toEqual(new Set(sent.map((s) => s.id)));
    for (let i = 0; i < publicAddrs.length; i++) {
      expect(probes[i]!.received.length).toBe(expected.get(publicAddrs[i]!.ip) ?? 0);
    }
    expect(sim.stats.sent).toBe(sim.stats.delivered);
  });
});
