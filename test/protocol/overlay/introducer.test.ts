// The introducer: a ring reaches the target as the caller's proven key, a ring to a peer it
// does not know is answered ABSENT (the dialer gives up at once), rings are rate-limited per
// session, and frames that are not rings are counted drops.
import { describe, expect, it } from 'vitest';
import type { Addr } from '../../../protocol/core/addr.ts';
import { hex } from '../../../protocol/core/bytes.ts';
import type { Machine, Transmit } from '../../../protocol/core/machine.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { addrOfDigest, digestOfKey } from '../../../protocol/overlay/identity-addr.ts';
import { encodeFrame, FRAME } from '../../../protocol/overlay/introducer-wire.ts';
import type { OverlayHostEvent } from '../../../protocol/overlay/overlay-config.ts';
import { RudpEndpoint } from '../../../protocol/rudp/endpoint.ts';
import { Simulator } from '../../../runtime-sim/index.ts';
import { NatWorld } from '../../../scenarios/overlay/nat-world.ts';

type Cmd = { readonly to: Addr; readonly data: Uint8Array };

/** An overlay that only sends what it is told to. */
class Sender implements Machine<Cmd, never> {
  private readonly out: Transmit[] = [];
  handleDatagram(): void {}
  handleTimeout(): void {}
  handleCommand(_now: number, c: Cmd): void {
    this.out.push({ remote: c.to, data: c.data });
  }
  pollTransmit(): Transmit | undefined {
    return this.out.shift();
  }
  pollEvent(): undefined {
    return undefined;
  }
  pollTimeout(): undefined {
    return undefined;
  }
}

describe('introducer', () => {
  it('answers ABSENT for an unknown peer (the link ends as unreachable) and rate-limits rings per session', () => {
    const sim = new Simulator({ seed: 'introducer-test' });
    const world = new NatWorld<Cmd, never>(sim, { loss: 0, presets: ['full-cone'], namespace: 'test.' }, () => ({ overlay: new Sender() }));
    const a = world.addHost('a');
    const closes: OverlayHostEvent[] = [];
    a.handle.onEvent((e) => e.type === 'overlay-session-close' && closes.push(e));
    const burst = 40;
    sim.at(1_000, () => {
      for (let i = 1; i <= burst + 10; i++) a.handle.command({ to: addrOfDigest(new Uint8Array(15).fill(i)), data: Uint8Array.of(i) });
    });
    sim.runUntil(3_000);
    expect(world.introducer.counters['rate-limited'], 'reproduce: seed introducer-test').toBe(10);
    expect(world.introducer.counters.absent).toBe(burst);
    expect(closes.filter((c) => c.type === 'overlay-session-close' && c.reason === 'unreachable')).toHaveLength(burst);
  });

  it('a ring reaches the target as the key the caller proved; a frame that is not a ring is a counted drop', () => {
    const sim = new Simulator({ seed: 'introducer-test-2' });
    const world = new NatWorld<Cmd, never>(sim, { loss: 0, presets: ['full-cone'], namespace: 'test.' }, () => ({ overlay: new Sender() }));
    const target = world.addHost('t');
    // A raw client: its own Noise session to the introducer, ringing the target, then sending junk.
    const secret = new Uint8Array(32).fill(0x11);
    const client = new RudpEndpoint({ crypto: nobleCrypto, rng: sim.rng.fork('raw'), staticSecret: secret, config: { mode: 'message' }, accept: false });
    const host = sim.addHost({ name: 'raw', ips: ['198.51.100.50'], link: { latency: { kind: 'fixed', ms: 5 } } });
    const handle = sim.run(host, client, { port: 9000 });
    handle.onEvent((e) => {
      if (e.type !== 'connected') return;
      handle.command({ type: 'message', conn: e.conn, data: encodeFrame({ type: 'ring', to: target.identity.digest }) });
      handle.command({ type: 'message', conn: e.conn, data: Uint8Array.of(FRAME.rung, 1, 2, 3) });
      handle.command({ type: 'message', conn: e.conn, data: encodeFrame({ type: 'absent', to: target.identity.digest }) });
    });
    sim.at(500, () => handle.command({ type: 'connect', remote: world.introducerAddr, expectedPeer: world.introducer.publicKey }));
    sim.runUntil(3_000);
    const caller = hex(digestOfKey(nobleCrypto, nobleCrypto.x25519PublicKey(secret)));
    expect(world.introducer.counters.rungs).toBe(1);
    expect(world.introducer.counters['bad-frame']).toBe(1);
    expect(world.introducer.counters['unexpected-frame']).toBe(1);
    // The target answered the ring by consenting to exactly one link: with the caller's identity.
    expect(target.host.linkTable()).toEqual([expect.objectContaining({ peer: caller, role: 'accept', state: 'opening' })]);
  });

  it('strangers ringing at once take at most accepts_opening_max accepting links', () => {
    const sim = new Simulator({ seed: 'introducer-test-3' });
    const world = new NatWorld<Cmd, never>(sim, { loss: 0, presets: ['full-cone'], namespace: 'test.', limits: { accepts_opening_max: 3 } }, () => ({ overlay: new Sender() }));
    const target = world.addHost('t');
    for (let i = 0; i < 5; i++) {
      const client = new RudpEndpoint({ crypto: nobleCrypto, rng: sim.rng.fork(`raw${i}`), staticSecret: new Uint8Array(32).fill(0x20 + i), config: { mode: 'message' }, accept: false });
      const host = sim.addHost({ name: `raw${i}`, ips: [`198.51.100.${50 + i}`], link: { latency: { kind: 'fixed', ms: 5 } } });
      const handle = sim.run(host, client, { port: 9000 });
      handle.onEvent((e) => e.type === 'connected' && handle.command({ type: 'message', conn: e.conn, data: encodeFrame({ type: 'ring', to: target.identity.digest }) }));
      sim.at(500, () => handle.command({ type: 'connect', remote: world.introducerAddr, expectedPeer: world.introducer.publicKey }));
    }
    sim.runUntil(3_000);
    expect(world.introducer.counters.rungs).toBe(5);
    expect(target.host.linkTable().filter((l) => l.role === 'accept')).toHaveLength(3);
    expect(target.host.counters['accepts-full']).toBe(2);
  });
});
