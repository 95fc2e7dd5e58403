// Regression tests for issue 9 (a stranger must not crash a listener, hijack a session or
// make a closed connection talk) on the secure transport, each named after its finding.
// Every one of them fails on commit 0efe333.
import { describe, expect, it } from 'vitest';
import { addr, type Addr } from '../../../protocol/core/addr.ts';
import type { Crypto } from '../../../protocol/core/crypto.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { cookieKeys, sealInitiationMacs } from '../../../protocol/rudp/cookie.ts';
import type { RudpEndpoint } from '../../../protocol/rudp/endpoint.ts';
import { writeAck } from '../../../protocol/rudp/frame.ts';
import { decodePacket, encodeInitiation, PACKET } from '../../../protocol/rudp/packet.ts';
import type { PacketProtection } from '../../../protocol/rudp/packet-protection.ts';
import { nodeCrypto } from '../../../runtime-node/node-crypto.ts';
import { LOW_ORDER_POINTS } from './low-order-points.ts';
import { Pipe, seededRng } from './pipe.ts';

const STRANGER: Addr = addr('192.0.2.66', 6666);

const connectedOn = (pipe: Pipe, side: 0 | 1): number => pipe.events[side].filter((e) => e.type === 'connected').length;
const closedError = (pipe: Pipe, side: 0 | 1): string | undefined => {
  const e = pipe.events[side].find((x) => x.type === 'closed');
  return e && e.type === 'closed' ? (e.error ?? 'graceful') : undefined;
};

/** An initiation with `ephemeral` as Noise `e` and a valid mac1 (the network key is public). */
function craftedInitiation(crypto: Crypto, endpoint: RudpEndpoint, ephemeral: Uint8Array, sender: number): Uint8Array {
  const packet = encodeInitiation(sender, ephemeral);
  sealInitiationMacs(crypto, cookieKeys(crypto, endpoint.config.network_key), packet, undefined);
  return packet;
}

/** The sealing keys of a live connection (tests only: forge authenticated frames as the peer would). */
function protectionOf(endpoint: RudpEndpoint, conn: number): PacketProtection {
  return (endpoint.connection(conn) as unknown as { protection: PacketProtection }).protection;
}

function establish(pipe: Pipe): { a: number; b: number } {
  const a = pipe.connect();
  expect(pipe.run(() => connectedOn(pipe, 0) === 1 && connectedOn(pipe, 1) === 1, 5_000)).toBe(true);
  const e = pipe.events[1].find((x) => x.type === 'connected')!;
  return { a, b: e.conn };
}

describe('issue 9 #1: a low-order X25519 key is a typed handshake error, never a throw', () => {
  for (const [providerName, crypto] of [
    ['@noble', nobleCrypto],
    ['node:crypto', nodeCrypto],
  ] as const) {
    it(`${providerName}: one crafted initiation per low-order encoding (valid mac1) does not kill a listener; it keeps serving`, () => {
      const pipe = new Pipe(901, { delay_ms: 5 }, {}, crypto);
      const listener = pipe.endpoints[1];
      LOW_ORDER_POINTS.forEach((point, i) => {
        const packet = craftedInitiation(crypto, listener, point.encoding, 0x1000 + i);
        expect(() => listener.handleDatagram(pipe.now, STRANGER, packet), `${point.name}`).not.toThrow();
      });
      // The 7 zero-secret encodings leave no state; the other 5 are ordinary half-open handshakes.
      expect(listener.counters['handshake-low-order']).toBe(LOW_ORDER_POINTS.filter((p) => p.zeroSecret).length);
      expect(listener.connectionCount).toBe(LOW_ORDER_POINTS.filter((p) => !p.zeroSecret).length);
      // And an honest peer still gets its session.
      const ids = establish(pipe);
      expect(pipe.endpoints[0].connection(ids.a)?.state).toBe('established');
    });
  }
});

describe('issue 9 #8: protocol fields are validated, nothing is answered before authentication', () => {
  it('issue 9 #8: a declared message length beyond message_bytes_max is a protocol-violation, not a stall', () => {
    const pipe = new Pipe(902, { delay_ms: 5 }, { mode: 'message', message_bytes_max: 64 * 1024 });
    const { a } = establish(pipe);
    // A raw stream write in message mode lets us declare any length: 2^30 (varint 0xC0...).
    const header = new Uint8Array([0xc0, 0, 0, 0, 0x40, 0, 0, 0]);
    expect(pipe.endpoints[0].write(pipe.now, a, header)).toBe(header.byteLength);
    pipe.run(() => closedError(pipe, 1) !== undefined && closedError(pipe, 0) !== undefined, 5_000);
    expect(closedError(pipe, 1)).toBe('protocol-violation');
    expect(closedError(pipe, 0)).toBe('peer-aborted');
  });

  it('issue 9 #8: an ACK of packet numbers never sent is a protocol-violation (largestAcked is validated)', () => {
    const pipe = new Pipe(903, { delay_ms: 5 });
    const { a, b } = establish(pipe);
    const sender = protectionOf(pipe.endpoints[0], a);
    const frame = new Uint8Array(64);
    const length = writeAck(frame, 0, [[0, 1_000_000]], 0);
    const peerId = pipe.endpoints[0].connection(a)!.peerId;
    expect(peerId).toBe(b);
    const forged = sender.seal(peerId, 1_000, frame.subarray(0, length));
    pipe.endpoints[1].handleDatagram(pipe.now, pipe.addrs[0], forged);
    pipe.drain();
    expect(closedError(pipe, 1)).toBe('protocol-violation');
    expect(pipe.endpoints[1].connection(b)!.loss.largestAcked).toBeLessThan(1_000);
  });

  it('issue 9 #8: a closed connection answers nothing to unauthenticated packets (no CLOSE before the AEAD check)', () => {
    const pipe = new Pipe(904, { delay_ms: 5 });
    const { a, b } = establish(pipe);
    const captured: Uint8Array[] = [];
    pipe.tap = (from, data) => {
      if (from === 0 && data[0] === PACKET.data0) captured.push(data.slice());
      return data;
    };
    pipe.endpoints[0].write(pipe.now, a, new Uint8Array(5000).fill(1));
    pipe.run(() => captured.length >= 3, 5_000);
    pipe.tap = undefined;
    pipe.endpoints[1].abort(pipe.now, b, 'test');
    pipe.drain();
    pipe.run(() => false, 50); // the CLOSE copies leave
    const listener = pipe.endpoints[1];
    let replies = 0;
    for (let i = 0; i < 50; i++) {
      // A stranger's guess: a genuine packet with a fresh counter (so the replay window
      // passes it) and a flipped ciphertext bit; only the AEAD can tell.
      const forged = captured[i % captured.length]!.slice();
      forged[8] = 1;
      forged[12] = i;
      forged[forged.byteLength - 1] ^= 1 << (i % 8);
      listener.handleDatagram(pipe.now, STRANGER, forged);
      for (let t = listener.pollTransmit(); t; t = listener.pollTransmit()) replies++;
    }
    expect(replies).toBe(0);
    expect(listener.counters['auth']).toBeGreaterThanOrEqual(50);
    expect(decodePacket(captured[0]!).kind).toBe('data');
  });
});

describe('issue 9 #2: an established session path moves only after PATH_CHALLENGE/PATH_RESPONSE', () => {
  it('issue 9 #2: a genuine packet raced from a stranger address does not move the session; the stranger gets only a small challenge', () => {
    const pipe = new Pipe(905, { delay_ms: 5 });
    const { a, b } = establish(pipe);
    let stolen: Uint8Array | undefined;
    pipe.tap = (from, data) => {
      // The attacker holds back one genuine packet of A and delivers it first, from its own address.
      if (from === 0 && data[0] === PACKET.data0 && !stolen) {
        stolen = data.slice();
        return undefined;
      }
      return data;
    };
    pipe.endpoints[0].write(pipe.now, a, new Uint8Array(20_000).map((_, i) => i & 0xff));
    pipe.run(() => stolen !== undefined, 5_000);
    const listener = pipe.endpoints[1];
    listener.handleDatagram(pipe.now, STRANGER, stolen!);
    const toStranger: Uint8Array[] = [];
    for (let t = listener.pollTransmit(); t; t = listener.pollTransmit()) {
      if (t.remote.ip === STRANGER.ip) toStranger.push(t.data);
    }
    expect(listener.remoteOf(b)).toBe('10.0.0.1:4000');
    expect(toStranger.length).toBe(1);
    expect(toStranger[0]!.byteLength).toBeLessThanOrEqual(stolen!.byteLength);
    // The transfer completes on the real path; the stranger's candidate fails.
    pipe.tap = undefined;
    pipe.run(() => pipe.events[1].some((e) => e.type === 'path-failed'), 10_000);
    expect(pipe.events[1].filter((e) => e.type === 'path-changed')).toEqual([]);
    expect(listener.remoteOf(b)).toBe('10.0.0.1:4000');
    expect(listener.connection(b)!.state).toBe('established');
  });

  it('a real NAT rebinding still moves the path, after the PATH_RESPONSE; the peer identity never changes', () => {
    const pipe = new Pipe(906, { delay_ms: 5 });
    const { a, b } = establish(pipe);
    const peerBefore = pipe.endpoints[1].connection(b)!.peerStatic;
    pipe.addrs[0] = addr('10.0.0.9', 4444);
    pipe.endpoints[0].write(pipe.now, a, new Uint8Array(3000).fill(7));
    pipe.run(() => pipe.events[1].some((e) => e.type === 'path-changed'), 5_000);
    const changed = pipe.events[1].find((e) => e.type === 'path-changed');
    expect(changed).toMatchObject({ from: '10.0.0.1:4000', to: '10.0.0.9:4444' });
    expect(pipe.endpoints[1].connection(b)!.peerStatic).toBe(peerBefore);
  });
});

describe('a connection that closed during its handshake', () => {
  it('drops data packets for it (no keys, nothing to authenticate) without throwing or answering', () => {
    const pipe = new Pipe(907, { delay_ms: 5 }, { handshake_timeout_ms: 1_000 });
    pipe.links = [{ delay_ms: 5, loss: 1 }, { delay_ms: 5, loss: 1 }];
    const a = pipe.connect();
    pipe.run(() => closedError(pipe, 0) !== undefined, 5_000);
    expect(closedError(pipe, 0)).toBe('handshake-timeout');
    const endpoint = pipe.endpoints[0];
    const forged = new Uint8Array(13 + 40);
    forged[0] = PACKET.data0;
    new DataView(forged.buffer).setUint32(1, a);
    expect(() => endpoint.handleDatagram(pipe.now, STRANGER, forged)).not.toThrow();
    expect(endpoint.pollTransmit()).toBeUndefined();
    expect(endpoint.counters['closed']).toBe(1);
  });
});

describe('issue 9 #2 and #4 during the handshake: no hijack, no amplification', () => {
  it('issue 9 #2: a copy of msg2 raced from a stranger address does not move the initiator', () => {
    const pipe = new Pipe(908, { delay_ms: 5 });
    pipe.tap = (from, data) => {
      if (from === 1 && data[0] === PACKET.response) {
        // The stranger delivers its copy first, from its own address.
        pipe.endpoints[0].handleDatagram(pipe.now, STRANGER, data.slice());
        return undefined;
      }
      return data;
    };
    const a = pipe.connect();
    pipe.run(() => pipe.endpoints[0].connection(a)?.state === 'established', 5_000);
    pipe.tap = undefined;
    expect(pipe.endpoints[0].remoteOf(a)).toBe('10.0.0.2:5000');
    expect(pipe.run(() => connectedOn(pipe, 1) === 1, 5_000)).toBe(true);
  });

  it('issue 9 #2: a copy of msg3 raced from a stranger address does not move the responder', () => {
    const pipe = new Pipe(909, { delay_ms: 5 });
    pipe.tap = (from, data) => {
      if (from === 0 && data[0] === PACKET.final) {
        pipe.endpoints[1].handleDatagram(pipe.now, STRANGER, data.slice());
        return undefined;
      }
      return data;
    };
    pipe.connect();
    pipe.run(() => connectedOn(pipe, 1) === 1, 5_000);
    pipe.tap = undefined;
    const b = pipe.events[1].find((e) => e.type === 'connected')!.conn;
    expect(pipe.endpoints[1].remoteOf(b)).toBe('10.0.0.1:4000');
  });

  it('issue 9 #4: a spoofed initiation gets one answer no larger than itself, never retransmitted unpaid', () => {
    const pipe = new Pipe(910, { delay_ms: 5 }, { handshake_timeout_ms: 20_000 });
    const listener = pipe.endpoints[1];
    const initiator = pipe.endpoints[0];
    initiator.connect(pipe.now, pipe.addrs[1]);
    const initiation = initiator.pollTransmit()!.data;
    listener.handleDatagram(pipe.now, STRANGER, initiation);
    let sent = 0;
    // Twenty seconds of the listener's timers, nothing more from the "initiator".
    for (let guard = 0; guard < 1000; guard++) {
      for (let t = listener.pollTransmit(); t; t = listener.pollTransmit()) sent += t.data.byteLength;
      const at = listener.pollTimeout();
      if (at === undefined || at > 20_000) break;
      pipe.now = at;
      listener.handleTimeout(at);
    }
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(initiation.byteLength);
  });
});
