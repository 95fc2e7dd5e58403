// The punch client in the simulator: direct paths and their timing, the relay (with data
// through it), relay -> direct upgrade after a partition heals, keepalives across Linux's 30 s
// conntrack timer, path loss falling back to the relay, and fuzzing of every input.
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { rngFromFloat } from '../../../protocol/core/rng.ts';
import { checked } from '../../../protocol/core/checked-machine.ts';
import { PunchClient } from '../../../protocol/punch/punch-client.ts';
import type { PathEvent, PunchEvent } from '../../../protocol/punch/punch-events.ts';
import { encodeRendezvous } from '../../../protocol/punch/rendezvous-wire.ts';
import { encodeStun } from '../../../protocol/punch/stun-codec.ts';
import { Simulator } from '../../../runtime-sim/index.ts';
import { buildWorld, DIRECT_RTT_MS, type Peer } from '../../../scenarios/nat-matrix/world.ts';
import { arbMessage } from './arbitraries.ts';

const paths = (p: Peer): Array<{ t: number; event: PathEvent }> =>
  p.events.filter((x): x is { t: number; event: PathEvent } => x.event.type === 'path');
const ofType = (p: Peer, type: PunchEvent['type']) => p.events.filter((x) => x.event.type === type);

describe('punch client in the simulator', () => {
  it('cone pair: direct by simultaneous open within 2 RTT of both being registered', () => {
    const sim = new Simulator({ seed: 3 });
    const w = buildWorld(sim, 'port-restricted-cone', 'restricted-cone', { loss: 0 });
    sim.runUntil(10_000);
    const both = Math.max(...['a', 'b'].map((id) => w.serverEvents.find((x) => x.event.type === 'registered' && x.event.id === id)!.t));
    for (const p of [w.a, w.b]) {
      const [first] = paths(p);
      expect(first!.event).toMatchObject({ path: 'direct', technique: 'simultaneous-open', rtt_ms: DIRECT_RTT_MS });
      expect(first!.t - both).toBeLessThanOrEqual(2 * DIRECT_RTT_MS);
      expect(p.client.path?.kind).toBe('direct');
    }
    // The composing protocol's bytes go straight to the peer's address.
    w.a.command({ type: 'send', data: new Uint8Array([0xc0, 1, 2]) });
    sim.runFor(100);
    expect(w.b.client.counters['foreign-protocol']).toBe(1);
  });

  it('two symmetric NATs: relay, and relayed data reaches the peer as relay-data', () => {
    const sim = new Simulator({ seed: 4 });
    const w = buildWorld(sim, 'symmetric', 'symmetric', { loss: 0 });
    sim.runUntil(10_000);
    expect(paths(w.a)[0]!.event).toMatchObject({ path: 'relay', technique: 'relay' });
    expect(w.b.client.path?.kind).toBe('relay');
    w.a.command({ type: 'send', data: new Uint8Array([0xc1, 42]) });
    sim.runFor(200);
    const data = ofType(w.b, 'relay-data').map((x) => (x.event.type === 'relay-data' ? [...x.event.data] : []));
    expect(data).toEqual([[0xc1, 42]]);
  });

  it('upgrades relay -> direct when a later punch succeeds', () => {
    const sim = new Simulator({ seed: 5 });
    const w = buildWorld(sim, 'port-restricted-cone', 'port-restricted-cone', { loss: 0, client: { upgrade_interval_ms: 5_000, punch_timeout_ms: 4_000 } });
    // Cut the peers off from each other (not from the server) for the first punch.
    sim.partition({ a: ['a'], b: ['b'], from: 0, until: 12_000 });
    sim.runUntil(40_000);
    const kinds = paths(w.a).map((x) => `${x.event.path}${x.event.upgrade ? '+upgrade' : ''}`);
    expect(kinds[0]).toBe('relay');
    expect(kinds).toContain('direct+upgrade');
    expect(w.a.client.path?.kind).toBe('direct');
    expect(w.b.client.path?.kind).toBe('direct');
  });

  it('keepalives hold a Linux masquerade path (30 s conntrack timer) for minutes', () => {
    const sim = new Simulator({ seed: 6 });
    const w = buildWorld(sim, 'linux-masquerade', 'linux-masquerade-firewall', { loss: 0 });
    sim.runUntil(300_000);
    expect(ofType(w.a, 'path-lost')).toHaveLength(0);
    expect(ofType(w.b, 'path-lost')).toHaveLength(0);
    expect(w.a.client.path?.kind).toBe('direct');
    expect(paths(w.a)).toHaveLength(1);
  });

  it('a lost direct path falls back to the relay', () => {
    const sim = new Simulator({ seed: 7 });
    const w = buildWorld(sim, 'full-cone', 'full-cone', { loss: 0, client: { upgrades_max: 0 } });
    sim.runUntil(5_000);
    expect(w.a.client.path?.kind).toBe('direct');
    sim.partition({ a: ['a'], b: ['b'], from: 5_000 });
    sim.runUntil(60_000);
    expect(ofType(w.a, 'path-lost')).toHaveLength(1);
    expect(w.a.client.path?.kind).toBe('relay');
  });

  it('two peers on one LAN use their host addresses', () => {
    const sim = new Simulator({ seed: 8 });
    const w = buildWorld(sim, 'port-restricted-cone', 'port-restricted-cone', { loss: 0, layout: 'same-lan' });
    sim.runUntil(10_000);
    expect(w.a.client.path).toMatchObject({ kind: 'direct', technique: 'host', rtt_ms: 8 });
  });
});

describe('punch client fuzz', () => {
  const SERVER = addr('198.51.100.7', 3478);
  const LOCAL = addr('10.0.0.2', 5000);
  function client(): PunchClient {
    let x = 12345;
    const rng = rngFromFloat(() => ((x = (x * 1103515245 + 12345) >>> 0) / 0x1_0000_0000));
    const c = new PunchClient({ id: 'me', token: new Uint8Array(16), server: SERVER, local: LOCAL, connect_to: 'you', events_max: 32, transmits_max: 32 }, rng);
    c.handleTimeout(0);
    return c;
  }
  const from = fc.constantFrom(SERVER, addr('203.0.113.9', 7), addr('10.0.0.3', 5000));
  fcTest.prop([fc.array(fc.tuple(from, fc.uint8Array({ maxLength: 600 })), { maxLength: 40 })], { numRuns: 300 })('random datagrams never throw', (datagrams) => {
    const c = checked(client(), 'punch client fuzz'); // the contract checker + spin guard
    let now = 0;
    for (const [remote, data] of datagrams) {
      c.handleDatagram((now += 50), remote, data, LOCAL);
      c.handleTimeout(now);
      while (c.pollTransmit()) {}
      while (c.pollEvent()) {}
    }
  });
  fcTest.prop([fc.array(fc.tuple(from, arbMessage, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 })), { maxLength: 30 })], { numRuns: 300 })(
    'valid and mutated rendezvous/punch messages never throw',
    (script) => {
      const c = client();
      let now = 0;
      for (const [remote, m, flips] of script) {
        const bytes = encodeRendezvous(m).slice();
        for (const [at, value] of flips) bytes[at % bytes.length] = value;
        c.handleDatagram((now += 50), remote, bytes, LOCAL);
        const t = c.pollTimeout();
        if (t !== undefined) c.handleTimeout(Math.max(now, t));
        while (c.pollTransmit()) {}
        while (c.pollEvent()) {}
      }
    },
  );
  it('counts forged STUN and foreign datagrams by reason', () => {
    const c = client();
    c.handleDatagram(1, SERVER, encodeStun({ method: 1, cls: 'success', transactionId: new Uint8Array(12), attributes: [] }), LOCAL);
    c.handleDatagram(1, SERVER, new Uint8Array([0x99]), LOCAL);
    c.handleDatagram(1, addr('192.0.2.1', 1), encodeRendezvous({ type: 'registered', nonce: 1, observed: LOCAL, ttl_ms: 1 }), LOCAL);
    expect(c.counters).toMatchObject({ 'stun-unknown-transaction': 1, 'foreign-protocol': 1, 'not-from-server': 1 });
  });
});
