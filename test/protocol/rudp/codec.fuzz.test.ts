// Fuzzing every decoder of the secure transport: arbitrary bytes are either decoded or
// raise a typed DecodeError; an endpoint fed garbage never throws and only counts drops.
// Plus model checks of the small data structures the codecs rely on.
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { DecodeError } from '../../../protocol/core/decode-error.ts';
import { addr } from '../../../protocol/core/addr.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { decodePacket, PACKET } from '../../../protocol/rudp/packet.ts';
import { decodeFrames, writeAck, type AckFrame } from '../../../protocol/rudp/frame.ts';
import { decodeParams } from '../../../protocol/rudp/noise.ts';
import { RangeSet } from '../../../protocol/rudp/range-set.ts';
import { ReplayWindow } from '../../../protocol/rudp/replay-window.ts';
import { RudpEndpoint } from '../../../protocol/rudp/endpoint.ts';
import { Reader } from '../../../protocol/core/reader.ts';
import { writeVarint } from '../../../protocol/rudp/varint.ts';
import { Pipe, seededRng } from './pipe.ts';

function onlyDecodeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
  }
}

const rudpBytes = fc.tuple(fc.integer({ min: 0xc0, max: 0xcf }), fc.uint8Array({ maxLength: 1300 })).map(([t, rest]) => Uint8Array.of(t, ...rest));

describe('rudp decoders', () => {
  it.prop([fc.oneof(fc.uint8Array({ maxLength: 1300 }), rudpBytes)], { numRuns: 2000 })('decodePacket', (data) => onlyDecodeErrors(() => decodePacket(data)));
  it.prop([fc.uint8Array({ maxLength: 1300 })], { numRuns: 3000 })('decodeFrames', (data) => onlyDecodeErrors(() => decodeFrames(data)));
  it.prop([fc.uint8Array({ maxLength: 12 })], { numRuns: 500 })('decodeParams', (data) => onlyDecodeErrors(() => decodeParams(data)));

  it.prop([fc.array(fc.oneof(fc.uint8Array({ maxLength: 1300 }), rudpBytes), { maxLength: 40 })], { numRuns: 40 })(
    'an endpoint with live connections never throws on garbage',
    (datagrams) => {
      const pipe = new Pipe(21, { delay_ms: 1 });
      pipe.connect();
      pipe.run(() => pipe.events[1].some((e) => e.type === 'connected'), 1_000);
      for (const data of datagrams) {
        for (const side of [0, 1] as const) pipe.endpoints[side].handleDatagram(pipe.now, pipe.addrs[side ? 0 : 1], data);
      }
      pipe.drain();
      // Random bytes never become data (genuine traffic with flipped bits: the test below).
      expect(pipe.events[1].filter((e) => e.type === 'readable').length).toBe(0);
    },
  );

  it.prop([fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0.05, max: 0.5, noNaN: true })], { numRuns: 8 })(
    'bit-flipped copies of genuine packets of a live connection reach the AEAD, are counted as auth failures, and the stream stays intact',
    (seed, p) => {
      const pipe = new Pipe(seed, { delay_ms: 2 });
      const rng = seededRng(seed ^ 0x5a5a);
      let forged = 0;
      // Before each genuine data packet, the receiver gets a copy with one ciphertext bit
      // flipped: fresh counter, right connection id, so only the AEAD can refuse it.
      pipe.tap = (from, data) => {
        if (from === 0 && (data[0] === PACKET.data0 || data[0] === PACKET.data1) && rng.nextFloat() < p) {
          const copy = data.slice();
          const at = rng.nextInt(13, copy.byteLength - 1);
          copy[at] = copy[at]! ^ (1 << rng.nextInt(0, 7));
          pipe.endpoints[1].handleDatagram(pipe.now, pipe.addrs[0], copy);
          forged++;
        }
        return data;
      };
      const client = pipe.connect();
      pipe.run(() => pipe.events[1].some((e) => e.type === 'connected'), 5_000);
      const server = pipe.events[1].find((e) => e.type === 'connected')!.conn;
      const data = new Uint8Array(96 * 1024).map((_, i) => Math.imul(i + seed, 0x9e3779b1) >>> 24);
      expect(pipe.endpoints[0].write(pipe.now, client, data)).toBe(data.byteLength);
      pipe.endpoints[0].close(pipe.now, client);
      const received: number[] = [];
      pipe.run(() => {
        for (let c = pipe.endpoints[1].read(server); c; c = pipe.endpoints[1].read(server)) received.push(...c);
        return received.length === data.byteLength;
      }, 30_000);
      expect(forged, `seed ${seed}`).toBeGreaterThan(0);
      expect(pipe.endpoints[1].counters['auth'], `seed ${seed}`).toBe(forged);
      expect(Buffer.from(received).equals(Buffer.from(data)), `seed ${seed}`).toBe(true);
    },
  );

  it.prop([fc.uint8Array({ minLength: 13, maxLength: 200 }), fc.integer({ min: 0, max: 0xffffffff })], { numRuns: 300 })(
    'data packets with a guessed connection id are dropped unanswered (unknown connection or malformed)',
    (body, _id) => {
      const server = new RudpEndpoint({ crypto: nobleCrypto, rng: seededRng(5), staticSecret: seededRng(6).nextBytes(32) });
      const data = Uint8Array.of(PACKET.data0, ...body);
      server.handleDatagram(0, addr('1.2.3.4', 5), data);
      expect(server.pollTransmit()).toBeUndefined();
      expect((server.counters['unknown-connection'] ?? 0) + (server.counters['malformed'] ?? 0)).toBe(1);
    },
  );
});

describe('rudp codec round trips and models', () => {
  it.prop([fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 300 }), fc.nat(1_000_000)])('ACK ranges encode and decode', (pns, delay) => {
    const set = new RangeSet();
    for (const pn of pns) set.add(pn, pn + 1);
    const ranges: Array<[number, number]> = [];
    for (let i = set.size - 1; i >= 0; i--) ranges.push([set.start(i), set.end(i) - 1]);
    const buf = new Uint8Array(4096);
    const end = writeAck(buf, 0, ranges, delay);
    const [frame] = decodeFrames(buf.subarray(0, end)) as [AckFrame];
    expect(frame.delay_us).toBe(delay);
    expect(frame.ranges).toEqual(ranges.slice(0, 65));
  });

  it.prop([fc.array(fc.tuple(fc.boolean(), fc.nat(500), fc.nat(60)), { maxLength: 80 })])('RangeSet matches a boolean-array model', (ops) => {
    const set = new RangeSet();
    const model = new Array<boolean>(600).fill(false);
    for (const [add, start, length] of ops) {
      if (add) set.add(start, start + length);
      else set.remove(start, start + length);
      for (let i = start; i < start + length; i++) model[i] = add;
    }
    for (let i = 0; i < 600; i++) expect(set.has(i)).toBe(model[i]);
    for (let i = 1; i < set.size; i++) expect(set.start(i)).toBeGreaterThan(set.end(i - 1));
  });

  it.prop([fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 400 })])('ReplayWindow accepts each counter once and never one far below the highest', (counters) => {
    const window = new ReplayWindow(2048);
    const seen = new Set<number>();
    let highest = -1;
    for (const c of counters) {
      const fresh = !seen.has(c) && c > highest - 2048;
      expect(window.mark(c)).toBe(fresh);
      if (fresh) {
        seen.add(c);
        highest = Math.max(highest, c);
      }
    }
  });

  it.prop([fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })])('varints round-trip', (value) => {
    const buf = new Uint8Array(8);
    const end = writeVarint(buf, 0, value);
    const cursor = new Reader(buf.subarray(0, end));
    expect(cursor.varint('v')).toBe(value);
  });
});
