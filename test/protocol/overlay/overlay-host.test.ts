// The overlay host: bounded queues and tables, hostile input (garbage datagrams, a session peer
// that proves a key other than the identity it was dialled as), and end-to-end delivery from
// identity to identity through NATs: direct between two cones, relayed between two symmetric
// NATs, with the sender's identity address as the source the overlay sees.
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { addr, formatAddr, type Addr } from '../../../protocol/core/addr.ts';
import type { Machine, Transmit } from '../../../protocol/core/machine.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { rngFromFloat } from '../../../protocol/core/rng.ts';
import { addrOfDigest, identityOfSecret, linkId } from '../../../protocol/overlay/identity-addr.ts';
import type { OverlayHostEvent } from '../../../protocol/overlay/overlay-config.ts';
import { OverlayHost } from '../../../protocol/overlay/overlay-host.ts';
import { Peer } from '../../../protocol/peer/peer.ts';
import { Simulator } from '../../../runtime-sim/index.ts';
import type { NatPresetName } from '../../../runtime-sim/nat/presets.ts';
import { NatWorld, OVERLAY_PORT } from '../../../scenarios/overlay/nat-world.ts';

type Cmd = { readonly to: Addr; readonly data: Uint8Array };
type Ev = { readonly type: 'got'; readonly from: string; readonly text: string };

/** A minimal overlay: sends what it is told to, records what arrives (and from whom). */
class Recorder implements Machine<Cmd, Ev> {
  private readonly out: Transmit[] = [];
  private readonly events: Ev[] = [];
  readonly got: Ev[] = [];
  handleDatagram(_now: number, remote: Addr, data: Uint8Array): void {
    const e: Ev = { type: 'got', from: formatAddr(remote), text: new TextDecoder().decode(data) };
    this.got.push(e);
    this.events.push(e);
  }
  handleTimeout(): void {}
  handleCommand(_now: number, c: Cmd): void {
    this.out.push({ remote: c.to, data: c.data });
  }
  pollTransmit(): Transmit | undefined {
    return this.out.shift();
  }
  pollEvent(): Ev | undefined {
    return this.events.shift();
  }
  pollTimeout(): number | undefined {
    return undefined;
  }
}

function lonelyHost(limits: { links_max?: number; queue_max?: number } = {}) {
  const rng = rngFromFloat(mulberry(1));
  const overlay = new Recorder();
  const host = new OverlayHost<Cmd, Ev>(
    {
      staticSecret: new Uint8Array(32).fill(3), crypto: nobleCrypto, rng, local: addr('10.0.0.2', 7600), server: addr('198.51.100.7', 3478),
      introducer: addr('198.51.100.9', 3480), introducerKey: new Uint8Array(32).fill(9), namespace: 'test.', limits,
    },
    overlay,
  );
  const events: Array<Ev | OverlayHostEvent> = [];
  const drain = (): void => {
    while (host.pollTransmit());
    for (let e = host.pollEvent(); e; e = host.pollEvent()) events.push(e);
  };
  return { host, overlay, events, drain };
}

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const digestOf = (n: number): Uint8Array => new Uint8Array(15).fill(n);

describe('overlay host limits', () => {
  it('queues at most queue_max messages per link while it opens, and counts the rest', () => {
    const { host, drain } = lonelyHost({ queue_max: 4 });
    for (let i = 0; i < 10; i++) host.handleCommand(0, { to: addrOfDigest(digestOf(1)), data: Uint8Array.of(i) });
    drain();
    expect(host.counters['queue-full']).toBe(6);
    expect(host.linkTable()).toHaveLength(1);
  });

  it('opens at most links_max links and refuses the next identities', () => {
    const { host, drain } = lonelyHost({ links_max: 3 });
    for (let i = 1; i <= 5; i++) host.handleCommand(0, { to: addrOfDigest(digestOf(i)), data: Uint8Array.of(i) });
    drain();
    expect(host.linkTable()).toHaveLength(3);
    expect(host.counters['links-full']).toBe(2);
  });

  it('refuses transport addresses and its own identity as destinations', () => {
    const { host, drain } = lonelyHost();
    host.handleCommand(0, { to: addr('198.51.100.20', 9), data: Uint8Array.of(1) });
    host.handleCommand(0, { to: host.self.addr, data: Uint8Array.of(1) });
    drain();
    expect(host.counters['not-identity']).toBe(1);
    expect(host.counters.self).toBe(1);
    expect(host.linkTable()).toHaveLength(0);
  });

  it('a link that never opens is dropped with its queue at setup_timeout_ms', () => {
    const { host, events, drain } = lonelyHost();
    host.handleCommand(0, { to: addrOfDigest(digestOf(1)), data: Uint8Array.of(1) });
    drain();
    for (let guard = 0; guard < 10_000; guard++) {
      const at = host.pollTimeout();
      if (at === undefined || at > host.limits.setup_timeout_ms) break;
      host.handleTimeout(at);
      drain();
      expect(host.pollTimeout() ?? Infinity).toBeGreaterThan(at);
    }
    host.handleTimeout(host.limits.setup_timeout_ms);
    drain();
    expect(host.linkTable()).toHaveLength(0);
    expect(events).toContainEqual(expect.objectContaining({ type: 'overlay-session-close', reason: 'setup-timeout', dropped: 1 }));
  });

  it.prop([fc.array(fc.tuple(fc.uint8Array({ minLength: 0, maxLength: 80 }), fc.constantFrom(0x00, 0x01, 0xc0, 0xc1, 0xc4, 0xd1, 0xd3, 0xd5, 0xd7, 0xdb, 0x42)), { maxLength: 30 })])(
    'garbage datagrams from anywhere are counted drops: nothing thrown, nothing delivered',
    (datagrams) => {
      const { host, overlay, drain } = lonelyHost();
      host.handleCommand(0, { to: addrOfDigest(digestOf(1)), data: Uint8Array.of(1) });
      drain();
      let now = 1;
      for (const [body, first] of datagrams) {
        const data = new Uint8Array(body.byteLength + 1);
        data[0] = first;
        data.set(body, 1);
        host.handleDatagram(now, addr('203.0.113.66', 4000), data, addr('10.0.0.2', 7600));
        drain();
        now += 10;
      }
      expect(overlay.got).toHaveLength(0);
      expect(host.linkTable().every((l) => l.state === 'opening')).toBe(true);
    },
  );
});

function recorderWorld(presets: readonly NatPresetName[], loss = 0) {
  const sim = new Simulator({ seed: 'overlay-host-test' });
  const recorders: Recorder[] = [];
  const world = new NatWorld<Cmd, Ev>(sim, { loss, presets, namespace: 'test.' }, () => {
    const overlay = new Recorder();
    recorders.push(overlay);
    return { overlay };
  });
  return { sim, world, recorders };
}

describe('overlay host across NATs (simulated)', () => {
  const cases: Array<[string, NatPresetName, 'direct' | 'relay']> = [
    ['two port-restricted cones punch a direct path', 'port-restricted-cone', 'direct'],
    ['two symmetric NATs need the relay', 'symmetric', 'relay'],
  ];
  for (const [title, preset, path] of cases) {
    it(`${title}; queued messages arrive in order, from the sender's identity`, () => {
      const { sim, world, recorders } = recorderWorld([preset]);
      const a = world.addHost('a');
      const b = world.addHost('b');
      const opened: OverlayHostEvent[] = [];
      a.handle.onEvent((e) => e.type === 'overlay-session-open' && opened.push(e));
      sim.at(500, () => {
        for (let i = 0; i < 5; i++) a.handle.command({ to: b.identity.addr, data: new TextEncoder().encode(`m${i}`) });
      });
      sim.runUntil(15_000);
      const got = recorders[1]!.got;
      expect(got.map((g) => g.text), 'reproduce: this test, seed overlay-host-test').toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
      expect(got.every((g) => g.from === formatAddr(a.identity.addr))).toBe(true);
      expect(opened).toEqual([expect.objectContaining({ peer: b.identity.name, role: 'dial', path })]);
      // And back: b answers over the same session (no second link).
      b.handle.command({ to: a.identity.addr, data: new TextEncoder().encode('back') });
      sim.runUntil(16_000);
      expect(recorders[0]!.got.map((g) => g.text)).toEqual(['back']);
      expect(a.host.counters.links_opened + b.host.counters.links_opened).toBe(2);
    });
  }

  it('a peer that squats the link id and proves another key is cut off: identity-mismatch, nothing delivered', () => {
    const { sim, world, recorders } = recorderWorld(['full-cone']);
    const a = world.addHost('a');
    const x = world.addHost('x');
    // The squatter: registers, before x can, the rendezvous id x would use for its link with a
    // and consents to a's mirror id, holding a key of its own.
    const mSecret = new Uint8Array(32).fill(0x5a);
    expect(identityOfSecret(nobleCrypto, mSecret).name).not.toBe(x.identity.name);
    const mHost = sim.addHost({ name: 'mallory', ips: ['198.51.100.66'], link: { latency: { kind: 'fixed', ms: 5 } } });
    const rng = sim.rng.fork('mallory');
    const squatter = new Peer({
      id: linkId('test.', x.identity.digest, a.identity.digest), token: rng.nextBytes(16), server: world.rendezvous, local: addr('198.51.100.66', OVERLAY_PORT),
      staticSecret: mSecret, crypto: nobleCrypto, rng, punch: { accept_from: linkId('test.', a.identity.digest, x.identity.digest), discovery: { classify: false } }, rudp: { mode: 'message' },
    });
    sim.run(mHost, squatter, { port: OVERLAY_PORT });
    const closes: OverlayHostEvent[] = [];
    a.handle.onEvent((e) => e.type === 'overlay-session-close' && closes.push(e));
    sim.at(2_000, () => a.handle.command({ to: x.identity.addr, data: new TextEncoder().encode('for x only') }));
    sim.runUntil(12_000);
    expect(closes).toContainEqual(expect.objectContaining({ peer: x.identity.name, reason: 'identity-mismatch', dropped: 1 }));
    expect(recorders[1]!.got).toHaveLength(0);
    expect(a.host.linkTable().filter((l) => l.state === 'open')).toHaveLength(0);
  });
});
