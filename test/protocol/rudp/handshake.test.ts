// Handshake failure cases: pinned identity mismatch, tampered messages, replayed
// initiations, cookie retry under load, floods, timeouts and refused identities.
import { describe, expect, it } from 'vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { INITIATION_BYTES, PACKET } from '../../../protocol/rudp/packet.ts';
import { RudpEndpoint } from '../../../protocol/rudp/endpoint.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { Pipe, seededRng } from './pipe.ts';

const connected = (pipe: Pipe, side: 0 | 1): boolean => pipe.events[side].some((e) => e.type === 'connected');
const closedError = (pipe: Pipe, side: 0 | 1): string | undefined => {
  const e = pipe.events[side].find((x) => x.type === 'closed');
  return e && e.type === 'closed' ? e.error : undefined;
};

describe('rudp handshake', () => {
  it('fails with identity-mismatch when the pinned key differs', () => {
    const pipe = new Pipe(11, { delay_ms: 5 });
    const wrong = nobleCrypto.x25519PublicKey(seededRng(99).nextBytes(32));
    pipe.connect({ expectedPeer: wrong });
    pipe.run(() => closedError(pipe, 0) !== undefined, 5_000);
    expect(closedError(pipe, 0)).toBe('identity-mismatch');
    expect(connected(pipe, 0)).toBe(false);
    expect(connected(pipe, 1)).toBe(false);
  });

  it('connects when the pinned key matches', () => {
    const pipe = new Pipe(12, { delay_ms: 5 });
    pipe.connect({ expectedPeer: pipe.endpoints[1].identity.publicKey });
    expect(pipe.run(() => connected(pipe, 0) && connected(pipe, 1), 5_000)).toBe(true);
  });

  for (const [name, type] of [
    ['response', PACKET.response],
    ['final', PACKET.final],
  ] as const) {
    it(`drops a tampered ${name} message, then recovers by retransmission`, () => {
      const pipe = new Pipe(13, { delay_ms: 5 });
      let tampered = 0;
      pipe.tap = (_from, data) => {
        if (data[0] === type && tampered === 0) {
          tampered++;
          const copy = data.slice();
          copy[copy.byteLength - 3] = copy[copy.byteLength - 3]! ^ 0x40;
          return copy;
        }
        return data;
      };
      pipe.connect();
      expect(pipe.run(() => connected(pipe, 0) && connected(pipe, 1), 10_000)).toBe(true);
      expect(tampered).toBe(1);
      const side = type === PACKET.response ? 0 : 1;
      expect(pipe.endpoints[side].counters['handshake-decrypt']).toBe(1);
    });
  }

  it('refuses a replayed initiation after the session is up', () => {
    const pipe = new Pipe(14, { delay_ms: 5 });
    let initiation: Uint8Array | undefined;
    pipe.tap = (_from, data) => {
      if (data[0] === PACKET.initiation) initiation ??= data.slice();
      return data;
    };
    pipe.connect();
    pipe.run(() => connected(pipe, 0) && connected(pipe, 1), 5_000);
    const server = pipe.endpoints[1];
    const before = server.connectionCount;
    server.handleDatagram(pipe.now, pipe.addrs[0], initiation!);
    server.handleDatagram(pipe.now, addr('198.51.100.9', 777), initiation!);
    expect(server.counters['replayed-initiation']).toBe(2);
    expect(server.connectionCount).toBe(before);
    expect(server.pollTransmit()).toBeUndefined();
  });

  it('demands a cookie under load and completes with mac2', () => {
    const pipe = new Pipe(15, { delay_ms: 5 }, { cookie_threshold_pending: 0 });
    pipe.connect();
    expect(pipe.run(() => connected(pipe, 0) && connected(pipe, 1), 10_000)).toBe(true);
    expect(pipe.endpoints[1].counters['cookie-required']).toBe(1);
    expect(pipe.events[0].some((e) => e.type === 'cookie')).toBe(true);
  });

  it('stays bounded under an initiation flood and keeps no state for cookie replies', () => {
    const server = new RudpEndpoint({
      crypto: nobleCrypto,
      rng: seededRng(1),
      staticSecret: seededRng(2).nextBytes(32),
      config: { cookie_threshold_pending: 8, handshakes_pending_max: 16 },
    });
    const attackers = Array.from({ length: 40 }, (_, i) => new RudpEndpoint({ crypto: nobleCrypto, rng: seededRng(100 + i), staticSecret: seededRng(200 + i).nextBytes(32) }));
    let cookies = 0;
    attackers.forEach((attacker, i) => {
      attacker.connect(0, addr('10.0.0.2', 5000));
      const t = attacker.pollTransmit()!;
      server.handleDatagram(1, addr('203.0.113.1', 1000 + i), t.data);
      for (let out = server.pollTransmit(); out; out = server.pollTransmit()) if (out.data[0] === PACKET.cookie) cookies++;
    });
    expect(server.connectionCount).toBe(8);
    expect(cookies).toBe(32);
    expect(server.counters['cookie-required']).toBe(32);
    // Garbage with a bad mac1 costs no DH and no state.
    const junk = new Uint8Array(INITIATION_BYTES);
    junk[0] = PACKET.initiation;
    server.handleDatagram(2, addr('203.0.113.2', 1), junk);
    expect(server.counters['bad-mac1']).toBe(1);
  });

  it('times out when the responder never answers', () => {
    const pipe = new Pipe(16, { delay_ms: 5, loss: 1 }, { handshake_timeout_ms: 3_000 });
    pipe.connect();
    pipe.run(() => closedError(pipe, 0) !== undefined, 10_000);
    expect(closedError(pipe, 0)).toBe('handshake-timeout');
  });

  it('issue 9 #3: a refused identity ends the initiator with peer-aborted; the responder reports nothing, only counts it', () => {
    const pipe = new Pipe(17, { delay_ms: 5 });
    const refusing = new RudpEndpoint({
      crypto: nobleCrypto,
      rng: seededRng(3),
      staticSecret: seededRng(4).nextBytes(32),
      acceptPeer: () => false,
    });
    (pipe.endpoints as RudpEndpoint[])[1] = refusing;
    pipe.connect();
    pipe.run(() => closedError(pipe, 0) !== undefined, 5_000);
    expect(closedError(pipe, 0)).toBe('peer-aborted');
    // Identity is checked before anything is reported: no `connected`, no `closed` for a
    // session the responder's application never had.
    expect(pipe.events[1].map((e) => e.type)).toEqual([]);
    expect(refusing.counters['peer-rejected']).toBe(1);
    expect(refusing.connectionCount).toBeLessThanOrEqual(1);
  });
});
