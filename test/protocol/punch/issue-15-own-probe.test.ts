// Issue 15, never connect to yourself: every probe carries its sender's role in the punch
// (PROBE_CONTROLLING, like ICE's ICE-CONTROLLING), and exactly one side of a session controls,
// so a client drops a probe carrying its own role whatever address it came from: it is its own,
// looped back (two homes with the same LAN addresses and ports; a NAT that rewrote the source
// so the address check cannot see it). The peer's probes from the same address are answered.
// The overlapping-LAN topology itself: `peerlab run 'nat-matrix/overlap-lan/*'`.
import { describe, expect, it } from 'vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { decodeRendezvous, encodeRendezvous, PROBE_CONTROLLING } from '../../../protocol/punch/rendezvous-wire.ts';
import { Simulator } from '../../../runtime-sim/index.ts';
import { buildWorld } from '../../../scenarios/nat-matrix/world.ts';

describe('issue 15: a peer ignores its own probes', () => {
  for (const side of ['a', 'b'] as const) {
    it(`${side === 'a' ? 'controlling' : 'controlled'} side: a probe with its own role is dropped (probe-own) and never acknowledged; the peer's role is answered`, () => {
      const sim = new Simulator({ seed: 15 });
      const w = buildWorld(sim, 'full-cone', 'full-cone', { loss: 0 });
      sim.runUntil(5_000);
      const client = w[side].client;
      const s = client.session!;
      expect(client.path?.kind).toBe('direct');
      while (client.pollTransmit()) {}
      // From an address that is not ours (so the reflected-address check cannot catch it).
      const elsewhere = addr('100.64.0.9', 5000);
      const own = encodeRendezvous({ type: 'probe', session: s.id, key: s.key, tx: 4242, flags: s.controlling ? PROBE_CONTROLLING : 0 });
      const before = client.counters['probe-own'] ?? 0;
      client.handleDatagram(sim.now, elsewhere, own, client.config.local);
      expect(client.counters['probe-own'], `seed 15 side ${side}`).toBe(before + 1);
      expect(client.pollTransmit(), 'no ack to our own probe').toBeUndefined();
      // The same probe with the other role (the peer's) is acknowledged to its source.
      const peers = encodeRendezvous({ type: 'probe', session: s.id, key: s.key, tx: 4243, flags: s.controlling ? 0 : PROBE_CONTROLLING });
      client.handleDatagram(sim.now, elsewhere, peers, client.config.local);
      const ack = client.pollTransmit();
      expect(ack?.remote).toEqual(elsewhere);
      expect(decodeRendezvous(ack!.data)).toMatchObject({ type: 'probe-ack', tx: 4243 });
    });
  }
});
