// Routing rules: inside one realm, out through NATs and back, hairpinning, CGNAT chains,
// broadcast, and the two ways a datagram finds nobody (no-route, port-unreachable).
import { describe, expect, it } from 'vitest';
import { addr } from '../../protocol/core/addr.ts';
import type { Addr } from '../../protocol/core/addr.ts';
import { MemorySink, Simulator, SimulatorError, SocketError, RealmError } from '../../runtime-sim/index.ts';
import { Echo, Probe, bytes } from './fixtures.ts';

function world(seed = 1) {
  const sink = new MemorySink();
  const sim = new Simulator({ seed, trace: sink, scenario: 'network-test' });
  return { sim, sink };
}

function sendFrom(handle: { command(c: { type: 'send'; to: Addr; data: Uint8Array; from?: Addr }): void }, to: Addr, ...data: number[]): void {
  handle.command({ type: 'send', to, data: bytes(0xe0, ...data) });
}

describe('routing in one realm', () => {
  it('crosses the sender uplink then the receiver downlink', () => {
    const { sim } = world();
    const lan = sim.addRealm({ name: 'office', subnet: '192.168.1.0/24' });
    const a = sim.addHost({ name: 'a', realm: lan, link: { latency: { kind: 'fixed', ms: 3 } } });
    const b = sim.addHost({ name: 'b', realm: lan, link: { latency: { kind: 'fixed', ms: 4 } } });
    expect(a.ips).toEqual(['192.168.1.2']);
    expect(b.ips).toEqual(['192.168.1.3']);
    const pb = new Probe();
    const ha = sim.run(a, new Probe(), { port: 10 });
    sim.run(b, pb, { port: 20 });
    sendFrom(ha, addr('192.168.1.3', 20), 1);
    sim.runUntilIdle();
    expect(pb.received).toHaveLength(1);
    expect(pb.received[0]!.at).toBe(7);
    expect(pb.received[0]!.from).toEqual(addr('192.168.1.2', 10));
    expect(pb.received[0]!.local).toEqual(addr('192.168.1.3', 20));
  });

  it('drops to an absent IP as no-route and to an unbound port as port-unreachable', () => {
    const { sim, sink } = world();
    const lan = sim.addRealm({ name: 'office', subnet: '192.168.1.0/24' });
    const a = sim.addHost({ name: 'a', realm: lan });
    sim.addHost({ name: 'b', realm: lan });
    const ha = sim.run(a, new Probe(), { port: 10 });
    sendFrom(ha, addr('192.168.1.77', 20));
    sendFrom(ha, addr('192.168.1.3', 21));
    sendFrom(ha, addr('8.8.8.8', 53));
    sim.runUntilIdle();
    const drops = sink.ofKind('drop');
    // No-route is decided at once (in the sender's realm); port-unreachable on arrival.
    expect(drops.map((d) => [d.id, d.reason])).toEqual([
      [1, 'no-route'],
      [3, 'no-route'],
      [2, 'port-unreachable'],
    ]);
    expect(drops[2]).toMatchObject({ node: 'b' });
    expect(sim.stats.drops['no-route']).toBe(2);
    expect(sim.stats.drops['port-unreachable']).toBe(1);
  });

  it('refuses a source address the host does not own or has no socket on, as bad-source', () => {
    const { sim, sink } = world();
    const lan = sim.addRealm({ name: 'office', subnet: '192.168.1.0/24' });
    const a = sim.addHost({ name: 'a', realm: lan });
    const b = sim.addHost({ name: 'b', realm: lan });
    const pb = new Probe();
    const ha = sim.run(a, new Probe(), { port: 10 });
    sim.run(b, pb, { port: 20 });
    const to = addr('192.168.1.3', 20);
    ha.command({ type: 'send', to, data: bytes(0xe0, 1), from: addr('255.255.255.255', 10) }); // a broadcast it heard on
    ha.command({ type: 'send', to, data: bytes(0xe0, 2), from: addr('192.168.1.3', 10) }); // b's address
    ha.command({ type: 'send', to, data: bytes(0xe0, 3), from: addr('192.168.1.2', 11) }); // no socket on that port
    ha.command({ type: 'send', to, data: bytes(0xe0, 4), from: addr('192.168.1.2', 10) }); // its own: fine
    sim.runUntilIdle();
    expect(sink.ofKind('drop').map((d) => [d.id, d.reason])).toEqual([
      [1, 'bad-source'],
      [2, 'bad-source'],
      [3, 'bad-source'],
    ]);
    expect(pb.received.map((r) => r.data[1])).toEqual([4]);
    expect(sim.stats.drops['bad-source']).toBe(3);
  });

  it('a multi-address host sends from the address a transmit names, and binds addresses exactly', () => {
    const { sim } = world();
    const server = sim.addHost({ name: 's', ips: ['198.51.100.1', '198.51.100.2'] });
    const c = sim.addHost({ name: 'c', ips: ['198.51.100.9'] });
    const ps = new Probe();
    const hs = sim.run(server, ps, { addresses: [addr('198.51.100.1', 3478), addr('198.51.100.2', 3479)] });
    const pc = new Probe();
    sim.run(c, pc, { port: 5 });
    hs.command({ type: 'send', to: addr('198.51.100.9', 5), data: bytes(1), from: addr('198.51.100.2', 3479) });
    hs.command({ type: 'send', to: addr('198.51.100.9', 5), data: bytes(2) });
    sim.runUntilIdle();
    expect(pc.received.map((r) => r.from)).toEqual([addr('198.51.100.2', 3479), addr('198.51.100.1', 3478)]);
    expect(hs.addresses).toHaveLength(2);
    expect(() => sim.run(server, new Probe(), { port: 3478 })).toThrow(SocketError);
  });

  it('refuses duplicate names, clashing IPs and IPs outside the subnet', () => {
    const { sim } = world();
    const lan = sim.addRealm({ name: 'office', subnet: '192.168.1.0/24' });
    sim.addHost({ name: 'a', realm: lan, ips: ['192.168.1.5'] });
    expect(() => sim.addHost({ name: 'a', realm: lan })).toThrow(SimulatorError);
    expect(() => sim.addHost({ name: 'b', realm: lan, ips: ['192.168.1.5'] })).toThrow(RealmError);
    expect(() => sim.addHost({ name: 'c', realm: lan, ips: ['10.0.0.5'] })).toThrow(RealmError);
  });
});

describe('broadcast', () => {
  it('reaches every other host of the LAN, on both broadcast addresses, and never crosses the NAT', () => {
    const { sim, sink } = world();
    const nat = sim.addNat({ name: 'nat', preset: 'full-cone', insideSubnet: '10.0.1.0/24' });
    const hosts = ['a', 'b', 'c'].map((name) => sim.addHost({ name, realm: nat.inside }));
    const outside = sim.addHost({ name: 'o', ips: ['198.51.100.1'] });
    const probes = hosts.map((h) => {
      const p = new Probe();
      return { p, handle: sim.run(h, p, { port: 9 }) };
    });
    const po = new Probe();
    sim.run(outside, po, { port: 9 });
    sendFrom(probes[0]!.handle, addr('255.255.255.255', 9), 1);
    sendFrom(probes[0]!.handle, addr('10.0.1.255', 9), 2);
    sim.runUntilIdle();
    expect(probes[0]!.p.received).toHaveLength(0);
    expect(probes[1]!.p.received.map((r) => r.data[1])).toEqual([1, 2]);
    expect(probes[2]!.p.received.map((r) => r.data[1])).toEqual([1, 2]);
    expect(probes[1]!.p.received[0]!.local.ip).toBe('255.255.255.255');
    expect(po.received).toHaveLength(0);
    expect(sink.ofKind('nat')).toHaveLength(0);
    // One fate per id: the first receiver keeps the original id, the others get copies.
    const delivers = sink.ofKind('deliver');
    expect(new Set(delivers.map((d) => d.id)).size).toBe(4);
    expect(sink.ofKind('send').filter((s) => s.dup_of !== undefined)).toHaveLength(2);
  });

  it('a broadcast with nobody else on the LAN is dropped as no-route', () => {
    const { sim } = world();
    const lan = sim.addRealm({ name: 'office', subnet: '192.168.1.0/24' });
    const h = sim.run(sim.addHost({ name: 'a', realm: lan }), new Probe(), { port: 9 });
    sendFrom(h, addr('255.255.255.255', 9));
    sim.runUntilIdle();
    expect(sim.stats.drops['no-route']).toBe(1);
  });
});

describe('through NATs', () => {
  it('translates out and back in, tracing every rewrite under one packet id', () => {
    const { sim, sink } = world();
    const nat = sim.addNat({
      name: 'nat-a',
      preset: 'port-restricted-cone',
      externalIps: ['203.0.113.10'],
      insideSubnet: '10.0.1.0/24',
      link: { latency: { kind: 'fixed', ms: 10 } },
    });
    const a = sim.addHost({ name: 'a', realm: nat.inside, link: { latency: { kind: 'fixed', ms: 1 } } });
    const s = sim.addHost({ name: 's', ips: ['198.51.100.1'], link: { latency: { kind: 'fixed', ms: 5 } } });
    const pa = new Probe();
    const ha = sim.run(a, pa, { port: 5000 });
    const echo = new Echo();
    sim.run(s, echo, { port: 7 });
    sendFrom(ha, addr('198.51.100.1', 7), 1);
    sim.runFor(100);
    expect(echo.count).toBe(1);
    expect(pa.received).toHaveLength(1);
    expect(pa.received[0]!.at).toBe(32);
    expect(pa.received[0]!.from).toEqual(addr('198.51.100.1', 7));
    const nats = sink.ofKind('nat');
    expect(nats.map((n) => [n.id, n.dir])).toEqual([
      [1, 'out'],
      [2, 'in'],
    ]);
    expect(nats[0]).toMatchObject({ t: 1, src: '10.0.1.2:5000', to_dst: '198.51.100.1:7' });
    const external = nats[0]!.to_src as string;
    expect(external.startsWith('203.0.113.10:')).toBe(true);
    expect(sink.ofKind('deliver')[0]).toMatchObject({ node: 's', src: external, t: 16 });
    expect(sink.ofKind('nat-map')).toHaveLength(1);
  });

  it('unsolicited inbound is dropped by the NAT with its reason', () => {
    const { sim, sink } = world();
    const nat = sim.addNat({ name: 'nat-a', preset: 'port-restricted-cone', externalIps: ['203.0.113.10'], insideSubnet: '10.0.1.0/24' });
    sim.run(sim.addHost({ name: 'a', realm: nat.inside }), new Probe(), { port: 5000 });
    const o = sim.run(sim.addHost({ name: 'o', ips: ['198.51.100.1'] }), new Probe(), { port: 1 });
    sendFrom(o, addr('203.0.113.10', 5000));
    sim.runUntilIdle();
    expect(sink.ofKind('drop')[0]).toMatchObject({ node: 'nat-a', reason: 'nat-no-mapping' });
  });

  it('hairpins to the NAT own external address per its config', () => {
    for (const preset of ['full-cone', 'symmetric'] as const) {
      const { sim, sink } = world();
      const nat = sim.addNat({ name: 'nat', preset, externalIps: ['203.0.113.10'], insideSubnet: '10.0.1.0/24' });
      const a = sim.addHost({ name: 'a', realm: nat.inside });
      const b = sim.addHost({ name: 'b', realm: nat.inside });
      const s = sim.addHost({ name: 's', ips: ['198.51.100.1'] });
      const pa = new Probe();
      const pb = new Probe();
      const ps = new Probe();
      const ha = sim.run(a, pa, { port: 1000 });
      const hb = sim.run(b, pb, { port: 2000 });
      sim.run(s, ps, { port: 7 });
      // b opens a mapping by talking to s; a learns b's external address from s.
      sendFrom(hb, addr('198.51.100.1', 7));
      sim.runFor(1000);
      const bExternal = ps.received[0]!.from;
      expect(bExternal.ip).toBe('203.0.113.10');
      sendFrom(ha, bExternal, 9);
      sim.runFor(1000);
      const config = nat.box.config;
      if (config.hairpinning === 'none') {
        expect(pb.received).toHaveLength(0);
        expect(sim.stats.drops.hairpin).toBe(1);
        continue;
      }
      if (config.filtering === 'endpoint-independent') {
        expect(pb.received).toHaveLength(1);
        const from = pb.received[0]!.from;
        if (config.hairpinning === 'external-source') expect(from.ip).toBe('203.0.113.10');
        else expect(from).toEqual(addr(a.ips[0]!, 1000));
        const inLine = sink.ofKind('nat').find((n) => n.dir === 'in' && n.to_dst === `${b.ips[0]}:2000`);
        expect(inLine).toBeDefined();
      } else {
        // Address/port-dependent filtering: a's hairpinned datagram is unsolicited for b.
        expect(pb.received).toHaveLength(0);
        expect(sim.stats.drops['nat-filtered'] + sim.stats.drops['nat-no-mapping']).toBe(1);
      }
    }
  });

  it('routes through a CGNAT chain: home NAT inside the carrier NAT', () => {
    const { sim, sink } = world();
    const cgn = sim.addNat({ name: 'cgn', preset: 'cgnat', externalIps: ['192.0.2.1'], insideSubnet: '100.64.0.0/16', link: { latency: { kind: 'fixed', ms: 4 } } });
    const home = sim.addNat({ name: 'home', preset: 'full-cone', realm: cgn.inside, insideSubnet: '192.168.0.0/24', link: { latency: { kind: 'fixed', ms: 2 } } });
    expect(home.externalIps.has('100.64.0.2')).toBe(true);
    const a = sim.addHost({ name: 'a', realm: home.inside });
    const s = sim.addHost({ name: 's', ips: ['198.51.100.1'] });
    const pa = new Probe();
    const ps = new Probe();
    const ha = sim.run(a, pa, { port: 4000 });
    const hs = sim.run(s, ps, { port: 7 });
    sendFrom(ha, addr('198.51.100.1', 7));
    sim.runFor(1000);
    expect(ps.received).toHaveLength(1);
    expect(ps.received[0]!.from.ip).toBe('192.0.2.1');
    expect(ps.received[0]!.at).toBe(2 + 4);
    expect(sink.ofKind('nat').map((n) => n.node)).toEqual(['home', 'cgn']);
    // The reply climbs back down both levels.
    hs.command({ type: 'send', to: ps.received[0]!.from, data: bytes(0xe0, 2) });
    sim.runFor(1000);
    expect(pa.received).toHaveLength(1);
    expect(pa.received[0]!.from).toEqual(addr('198.51.100.1', 7));
    expect(sink.ofKind('nat').map((n) => `${n.node}:${n.dir}`)).toEqual(['home:out', 'cgn:out', 'cgn:in', 'home:in']);
  });

  it('two customers of one CGNAT reach each other by hairpinning at the CGNAT', () => {
    const { sim } = world();
    const cgn = sim.addNat({ name: 'cgn', preset: 'cgnat', externalIps: ['192.0.2.1'], insideSubnet: '100.64.0.0/16' });
    const h1 = sim.addNat({ name: 'h1', preset: 'full-cone', realm: cgn.inside, insideSubnet: '192.168.0.0/24' });
    const h2 = sim.addNat({ name: 'h2', preset: 'full-cone', realm: cgn.inside, insideSubnet: '192.168.0.0/24' });
    const s = sim.addHost({ name: 's', ips: ['198.51.100.1'] });
    const p1 = new Probe();
    const p2 = new Probe();
    const ps = new Probe();
    const a1 = sim.run(sim.addHost({ name: 'a1', realm: h1.inside }), p1, { port: 1 });
    const a2 = sim.run(sim.addHost({ name: 'a2', realm: h2.inside }), p2, { port: 2 });
    sim.run(s, ps, { port: 7 });
    sendFrom(a1, addr('198.51.100.1', 7));
    sendFrom(a2, addr('198.51.100.1', 7));
    sim.runFor(1000);
    const [e1, e2] = ps.received.map((r) => r.from);
    // Both learned each other's public address; a1 → e2 must hairpin at the CGNAT. CGNAT
    // filters by address and port, so a2 first opens its mapping towards e1.
    sendFrom(a2, e1!, 5);
    sim.runFor(1000);
    sendFrom(a1, e2!, 6);
    sim.runFor(1000);
    expect(p2.received.map((r) => r.data[1])).toEqual([6]);
    expect(p2.received[0]!.from).toEqual(e1);
  });

  it('rebinding a host moves its source address and makes the NAT map it anew', () => {
    const { sim, sink } = world();
    const nat = sim.addNat({ name: 'nat', preset: 'symmetric', externalIps: ['203.0.113.10'], insideSubnet: '10.0.1.0/24' });
    const a = sim.addHost({ name: 'a', realm: nat.inside });
    const ps = new Probe();
    const ha = sim.run(a, new Probe(), { port: 5000 });
    sim.run(sim.addHost({ name: 's', ips: ['198.51.100.1'] }), ps, { port: 7 });
    sendFrom(ha, addr('198.51.100.1', 7));
    sim.runFor(10);
    sim.rebind('a', '10.0.1.50');
    sendFrom(ha, addr('198.51.100.1', 7));
    sim.runFor(10);
    expect(ha.addresses[0]).toEqual(addr('10.0.1.50', 5000));
    const outs = sink.ofKind('nat').map((n) => n.src);
    expect(outs).toEqual(['10.0.1.2:5000', '10.0.1.50:5000']);
    expect(ps.received[0]!.from).not.toEqual(ps.received[1]!.from);
    expect(sink.ofKind('log').some((l) => String(l.message).includes('rebind'))).toBe(true);
  });

  it('traces nat-expire at the time the mapping expires', () => {
    const { sim, sink } = world();
    const nat = sim.addNat({
      name: 'nat',
      config: { ...sim_presetConfig(), binding_timeout_ms: 30_000 },
      externalIps: ['203.0.113.10'],
      insideSubnet: '10.0.1.0/24',
    });
    const ha = sim.run(sim.addHost({ name: 'a', realm: nat.inside }), new Probe(), { port: 5000 });
    sim.run(sim.addHost({ name: 's', ips: ['198.51.100.1'] }), new Probe(), { port: 7 });
    sendFrom(ha, addr('198.51.100.1', 7));
    expect(sim.runUntilIdle()).toBe(true);
    expect(sink.ofKind('nat-expire')).toEqual([expect.objectContaining({ t: 30_000, node: 'nat', internal: '10.0.1.2:5000' })]);
    expect(sim.stats.kinds['nat-expire']).toBe(1);
  });
});

function sim_presetConfig() {
  return {
    mapping: 'endpoint-independent' as const,
    filtering: 'address-and-port-dependent' as const,
    port_assignment: { kind: 'preserve' as const, min_port: 1024, max_port: 65535 },
    ip_pooling: 'paired' as const,
    binding_timeout_ms: 120_000,
    refresh: 'outbound' as const,
    hairpinning: 'external-source' as const,
    inbound_firewall: false,
    sessions_max: 100,
    conntrack_clash: false,
  };
}
