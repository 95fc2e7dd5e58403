// Named limits and edge cases: hosts_max, events_pending_max, IPv6 hosts, oversize datagrams,
// the ChunkSink's handling of lines larger than a chunk, and the topology in the header.
import { describe, expect, it } from 'vitest';
import { addr } from '../../protocol/core/addr.ts';
import { ChunkSink, MemorySink, QueueFullError, Simulator, SimulatorError, datagram_bytes_max } from '../../runtime-sim/index.ts';
import { Echo, Probe } from './fixtures.ts';

describe('limits and edges', () => {
  it('refuses hosts past hosts_max', () => {
    const sim = new Simulator({ seed: 1, hosts_max: 2 });
    sim.addHost({ name: 'a' });
    sim.addHost({ name: 'b' });
    expect(() => sim.addHost({ name: 'c' })).toThrow(SimulatorError);
  });

  it('stops at events_pending_max with a typed error', () => {
    const sim = new Simulator({ seed: 1, events_pending_max: 1100 });
    expect(() => {
      for (let i = 0; i < 2000; i++) sim.at(10 + i, () => {});
    }).toThrow(QueueFullError);
  });

  it('routes IPv6 hosts on the internet', () => {
    const sim = new Simulator({ seed: 1 });
    sim.addHost({ name: 'a', ips: ['2001:db8::1'] });
    sim.addHost({ name: 'b', ips: ['2001:0db8:0:0::2'] });
    expect(sim.host('b').ips).toEqual(['2001:db8::2']);
    const pa = new Probe();
    const ha = sim.run('a', pa, { port: 1 });
    sim.run('b', new Echo(), { port: 7 });
    ha.command({ type: 'send', to: addr('2001:db8::2', 7), data: new Uint8Array(3) });
    sim.runUntilIdle();
    expect(pa.received).toHaveLength(1);
    expect(pa.received[0]!.from).toEqual(addr('2001:db8::2', 7));
  });

  it('drops a datagram larger than any UDP payload as mtu at the sender', () => {
    const sink = new MemorySink();
    const sim = new Simulator({ seed: 1, trace: sink });
    sim.addHost({ name: 'a', ips: ['198.51.100.1'], link: { mtu_bytes: 100_000 } });
    sim.addHost({ name: 'b', ips: ['198.51.100.2'], link: { mtu_bytes: 100_000 } });
    const ha = sim.run('a', new Probe(), { port: 1 });
    sim.run('b', new Probe(), { port: 1 });
    ha.command({ type: 'send', to: addr('198.51.100.2', 1), data: new Uint8Array(datagram_bytes_max + 1) });
    sim.runUntilIdle();
    expect(sink.ofKind('drop')[0]).toMatchObject({ reason: 'mtu', node: 'a' });
  });

  it('ChunkSink passes lines larger than a chunk on whole, in order', () => {
    const out: string[] = [];
    const sink = new ChunkSink((c) => out.push(new TextDecoder().decode(c)), 4096);
    sink.writeLine('{"a":1}');
    sink.writeLine(`{"big":"${'x'.repeat(10_000)}"}`);
    sink.writeLine('{"é":"ü"}');
    sink.flush();
    expect(out.join('')).toBe(`{"a":1}\n{"big":"${'x'.repeat(10_000)}"}\n{"é":"ü"}\n`);
    expect(sink.lines).toBe(3);
  });

  it('the header comes first and lists realms, NATs, hosts and servers', () => {
    const sink = new MemorySink();
    const sim = new Simulator({ seed: 9, trace: sink, scenario: 'header' });
    const nat = sim.addNat({ name: 'nat-a', preset: 'full-cone', externalIps: ['203.0.113.10'], insideSubnet: '10.0.1.0/24' });
    sim.addHost({ name: 'a', realm: nat.inside });
    sim.addHost({ name: 's', ips: ['198.51.100.1'], role: 'server' });
    sim.run('s', new Echo(), { port: 7 });
    sim.runFor(1);
    const header = sink.records[0]!;
    expect(header).toMatchObject({ v: 1, kind: 'run', world: 'sim', scenario: 'header', seed: 9, started: 'sim' });
    expect(header.topology).toEqual({
      nodes: [
        { name: 'nat-a', type: 'nat', preset: 'full-cone', outside: ['203.0.113.10'], inside: 'nat-a-lan', realm: 'internet' },
        { name: 'a', type: 'host', ips: ['10.0.1.2'], realm: 'nat-a-lan' },
        { name: 's', type: 'server', ips: ['198.51.100.1'], realm: 'internet' },
      ],
      realms: [{ name: 'internet' }, { name: 'nat-a-lan', subnet: '10.0.1.0/24', gateway: 'nat-a' }],
    });
  });
});
