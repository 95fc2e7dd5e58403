// Issue 15: the post-idle conntrack clash as the NAT model produces it. A Linux masquerade box
// with no inbound firewall forgets an idle flow at its UDP timer; the peer's next datagram to
// the old external port then finds no mapping and leaves a conntrack entry (peer <-> E:p), so
// our own next datagram to the peer is moved to another port, while flows to anyone else keep
// E:p (what STUN reports). With the inbound firewall nothing is left behind and p is kept.
// The session-level recovery: scenarios/nat-matrix/post-idle-clash.ts.
import { describe, expect, it } from 'vitest';
import { a, ext, makeBox, tweak } from './helpers.ts';

const TIMEOUT_MS = 10_000;
const INSIDE = a('10.0.1.2:5000');
const PEER = a('198.51.100.20:40000');
const SERVER = a('198.51.100.7:3478');

describe('post-idle conntrack clash (runtime-sim/nat)', () => {
  it('after the timer, the peer speaking first moves our next flow to it off the old port; the server flow keeps it', () => {
    const box = makeBox(tweak('linux-masquerade', { binding_timeout_ms: TIMEOUT_MS, stream_timeout_ms: TIMEOUT_MS }));
    const before = ext(box.outbound(0, INSIDE, PEER));
    expect(before.port).toBe(5000);
    expect(box.inbound(100, before, PEER)).toEqual({ internal: INSIDE });
    // Silence longer than the timer: the mapping is gone; the peer's datagram arrives first.
    expect(box.inbound(100 + TIMEOUT_MS + 5_000, before, PEER)).toEqual({ drop: 'nat-no-mapping' });
    const after = ext(box.outbound(100 + TIMEOUT_MS + 6_000, INSIDE, PEER));
    expect(after.port, 'our flow to the peer clashed and moved').not.toBe(5000);
    expect(box.counters.clashes).toBe(1);
    // The peer's datagrams to the old port still find nothing of ours: the pair is dead both ways.
    expect(box.inbound(100 + TIMEOUT_MS + 6_100, before, PEER)).toHaveProperty('drop');
    // STUN / the rendezvous still see the old port.
    expect(ext(box.outbound(100 + TIMEOUT_MS + 6_200, INSIDE, SERVER)).port).toBe(5000);
  });

  it('with the inbound firewall the early datagram leaves nothing, and the port is kept', () => {
    const box = makeBox(tweak('linux-masquerade-firewall', { binding_timeout_ms: TIMEOUT_MS, stream_timeout_ms: TIMEOUT_MS }));
    const before = ext(box.outbound(0, INSIDE, PEER));
    expect(box.inbound(TIMEOUT_MS + 5_000, before, PEER)).toEqual({ drop: 'nat-filtered' });
    expect(ext(box.outbound(TIMEOUT_MS + 6_000, INSIDE, PEER)).port).toBe(5000);
    expect(box.counters.clashes).toBe(0);
  });
});
