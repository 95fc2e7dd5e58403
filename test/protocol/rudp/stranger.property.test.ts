// A stranger on the path, in every connection state: while two endpoints connect, transfer,
// close or abort (each at a random moment), an adversary feeds both of them mutated copies of
// the traffic it sees (bit flips, truncations, replays, copies from its own address) and
// crafted initiations with low-order keys. Whatever it sends, no endpoint throws, nothing it
// sends is believed (the stream that arrives is a prefix of the stream written), every reply
// to the stranger's own address is no larger than what it sent there, and the test pipe's
// contract checker holds throughout (no deadline left at now after handleTimeout).
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { addr, addrEquals } from '../../../protocol/core/addr.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { cookieKeys, sealInitiationMacs } from '../../../protocol/rudp/cookie.ts';
import { encodeInitiation } from '../../../protocol/rudp/packet.ts';
import { LOW_ORDER_POINTS } from './low-order-points.ts';
import { Pipe, seededRng, type Side } from './pipe.ts';

const STRANGER = addr('192.0.2.66', 6666);
const ACTIONS = ['flip', 'truncate', 'replay', 'from-stranger', 'low-order'] as const;

/** Bytes sent to the stranger per run: the amplification check must have had something to check. */
const strangerReplies: number[] = [];

describe('rudp against a stranger on the path', () => {
  it.prop(
    [
      fc.integer({ min: 1, max: 1_000_000 }),
      fc.double({ min: 0.05, max: 0.6, noNaN: true }),
      fc.integer({ min: 0, max: 3000 }),
      fc.constantFrom('close', 'abort-a', 'abort-b', 'none'),
      fc.integer({ min: 0, max: 64 * 1024 }),
    ],
    { numRuns: 20 },
  )('never throws, believes nothing, amplifies nothing, in any state', (seed, p, endAt_ms, ending, size) => {
    const pipe = new Pipe(seed, { delay_ms: 5, loss: 0.02 }, { handshake_timeout_ms: 4_000, idle_timeout_ms: 8_000, drain_ms: 500 });
    const rng = seededRng(seed ^ 0x3c3c);
    const seen: Array<{ from: Side; data: Uint8Array }> = [];
    let toStrangerBytes = 0;
    let fromStrangerBytes = 0;
    const inject = (side: Side, data: Uint8Array, fromStranger: boolean): void => {
      const endpoint = pipe.endpoints[side];
      const source = fromStranger ? STRANGER : pipe.addrs[side === 0 ? 1 : 0];
      if (fromStranger) fromStrangerBytes += data.byteLength;
      endpoint.handleDatagram(pipe.now, source, data);
    };
    pipe.tap = (from, data) => {
      seen.push({ from, data: data.slice() });
      if (seen.length > 64) seen.shift();
      if (rng.nextFloat() >= p) return data;
      const to: Side = from === 0 ? 1 : 0;
      const action = ACTIONS[rng.nextInt(0, ACTIONS.length - 1)]!;
      const copy = data.slice();
      if (action === 'flip') {
        const at = rng.nextInt(0, copy.byteLength - 1);
        copy[at] = copy[at]! ^ (1 << rng.nextInt(0, 7));
        inject(to, copy, false);
      } else if (action === 'truncate') {
        inject(to, copy.subarray(0, rng.nextInt(0, copy.byteLength - 1)), false);
      } else if (action === 'replay') {
        const old = seen[rng.nextInt(0, seen.length - 1)]!;
        inject(old.from === 0 ? 1 : 0, old.data.slice(), rng.nextFloat() < 0.5);
      } else if (action === 'from-stranger') {
        inject(to, copy, true);
      } else {
        const point = LOW_ORDER_POINTS[rng.nextInt(0, LOW_ORDER_POINTS.length - 1)]!;
        const initiation = encodeInitiation(rng.nextUint32(), point.encoding);
        sealInitiationMacs(nobleCrypto, cookieKeys(nobleCrypto, pipe.endpoints[to].config.network_key), initiation, undefined);
        inject(to, initiation, true);
      }
      // Whatever the endpoints answer to the stranger's address is counted (the pipe drops it).
      return data;
    };
    pipe.onStray = (_side, remote, reply) => {
      if (addrEquals(remote, STRANGER)) toStrangerBytes += reply.byteLength;
    };
    const data = new Uint8Array(size).map((_, i) => Math.imul(i + seed, 0x9e3779b1) >>> 24);
    const a = pipe.connect();
    let b = -1;
    pipe.onEvent = (side, e) => {
      if (side === 1 && e.type === 'connected') b = e.conn;
    };
    let written = 0;
    const received: number[] = [];
    const step = (): void => {
      if (written < size) written += pipe.endpoints[0].write(pipe.now, a, data.subarray(written));
      if (b >= 0) for (let c = pipe.endpoints[1].read(b); c; c = pipe.endpoints[1].read(b)) received.push(...c);
    };
    let ended = false;
    for (let round = 0; round < 400; round++) {
      step();
      if (!ended && pipe.now >= endAt_ms) {
        ended = true;
        if (ending === 'close') pipe.endpoints[0].close(pipe.now, a);
        else if (ending === 'abort-a') pipe.endpoints[0].abort(pipe.now, a);
        else if (ending === 'abort-b' && b >= 0) pipe.endpoints[1].abort(pipe.now, b);
      }
      pipe.drain();
      pipe.run(() => false, 25);
    }
    const reproduce = `seed ${seed} p ${p} end ${ending}@${endAt_ms} size ${size}`;
    expect(received.length, reproduce).toBeLessThanOrEqual(written);
    for (let i = 0; i < received.length; i++) if (received[i] !== data[i]) throw new Error(`byte ${i} differs (${reproduce})`);
    expect(toStrangerBytes, reproduce).toBeLessThanOrEqual(fromStrangerBytes);
    strangerReplies.push(toStrangerBytes);
  });

  it('the runs above did send replies to the stranger (the amplification bound was exercised)', () => {
    expect(strangerReplies.length).toBeGreaterThan(0);
    expect(strangerReplies.some((b) => b > 0)).toBe(true);
  });
});
