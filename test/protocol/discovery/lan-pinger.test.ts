// peerpy-style PING/PONG: codec round trip and strict decoding (fixed size, zero padding, no
// port 0), a seek that collects only PONGs echoing its own nonce, `invisible` answering
// nothing, and the PONG rate limit (an answer never outweighs its PING: same size).
import { describe, expect, it } from 'vitest';
import { SpinGuard } from '../../../protocol/core/contract.ts';
import { fc, test as fcTest } from '@fast-check/vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { DecodeError } from '../../../protocol/core/decode-error.ts';
import { testRng } from '../core/test-rng.ts';
import { LanPinger } from '../../../protocol/discovery/lan-pinger.ts';
import { decodePing, encodePing, PING_BYTES } from '../../../protocol/discovery/ping-wire.ts';

const BCAST = addr('255.255.255.255', 4354);

describe('PING/PONG', () => {
  fcTest.prop([fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.constantFrom('10.0.0.1', '192.168.1.77', 'fe80::1'), fc.integer({ min: 1, max: 65535 }), fc.boolean()])(
    'round trips, always PING_BYTES long',
    (nonce, ip, port, ping) => {
      const m = { kind: ping ? ('ping' as const) : ('pong' as const), nonce, peer: addr(ip, port) };
      const bytes = encodePing(m);
      expect(bytes.byteLength).toBe(PING_BYTES);
      expect(decodePing(bytes)).toEqual(m);
    },
  );

  fcTest.prop([fc.uint8Array({ maxLength: 64 })])('random bytes decode or raise DecodeError', (bytes) => {
    try {
      decodePing(bytes);
    } catch (error) {
      expect(error).toBeInstanceOf(DecodeError);
    }
  });

  it('a seek counts only PONGs with its nonce; invisible peers answer nothing', () => {
    const seeker = new LanPinger({ peer: addr('10.0.0.1', 7000), broadcast: BCAST }, testRng(1));
    const visible = new LanPinger({ peer: addr('10.0.0.2', 7000), broadcast: BCAST }, testRng(2));
    const hidden = new LanPinger({ peer: addr('10.0.0.3', 7000), broadcast: BCAST, invisible: true }, testRng(3));
    seeker.handleCommand(0, { type: 'seek' });
    const ping = seeker.pollTransmit()!;
    expect(ping.remote).toEqual(BCAST);
    visible.handleDatagram(1, addr('10.0.0.1', 4354), ping.data);
    hidden.handleDatagram(1, addr('10.0.0.1', 4354), ping.data);
    expect(hidden.pollTransmit()).toBeUndefined();
    expect(hidden.counters.invisible_ignored).toBe(1);
    const pong = visible.pollTransmit()!;
    expect(pong.remote).toEqual(addr('10.0.0.1', 4354));
    expect(pong.data.byteLength).toBe(ping.data.byteLength);
    // A PONG with another nonce (a stale or forged answer) is not counted.
    const forged = encodePing({ kind: 'pong', nonce: new Uint8Array(8), peer: addr('10.0.0.66', 7000) });
    seeker.handleDatagram(2, addr('10.0.0.66', 4354), forged);
    seeker.handleDatagram(2, addr('10.0.0.2', 4354), pong.data);
    const guard = new SpinGuard('lan-pinger seeker'); // a deadline that never moves on fails instead of hanging
    for (let at = seeker.pollTimeout(); at !== undefined; at = seeker.pollTimeout()) {
      guard.step(at);
      seeker.handleTimeout(at);
    }
    const events = [];
    for (let e = seeker.pollEvent(); e; e = seeker.pollEvent()) events.push(e);
    expect(events).toEqual([{ type: 'local-peers', peers: ['10.0.0.2:7000'], truncated: false }]);
    expect(seeker.counters.stale_pong).toBe(1);
  });

  it('answers at most pongs_per_second_max PINGs a second', () => {
    const responder = new LanPinger({ peer: addr('10.0.0.2', 7000), broadcast: BCAST, pongs_per_second_max: 5 }, testRng(2));
    for (let i = 0; i < 20; i++) {
      const ping = encodePing({ kind: 'ping', nonce: new Uint8Array(8).fill(i), peer: addr('10.0.0.9', 7000) });
      responder.handleDatagram(10, addr('10.0.0.9', 4354), ping);
    }
    let sent = 0;
    while (responder.pollTransmit()) sent++;
    expect(sent).toBe(5);
    expect(responder.counters.pong_rate_limited).toBe(15);
  });
});
