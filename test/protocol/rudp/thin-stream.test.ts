// Thin-stream loss recovery (issue 15): the probe-timeout packet carries the oldest
// unacknowledged data, a lost small write is repaired by the next packet (bundling), ACK
// ranges the peer has seen acknowledged are pruned so datagrams stay flat over a long lossy
// run, the receiver keeps every stream offset once however frames overlap, and a bulk
// transfer never bundles. Each case runs with thin_stream_recovery off too, so it can fail.
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { ReceiveStream } from '../../../protocol/rudp/receive-stream.ts';
import { bundleStart, THIN_PACKETS_IN_FLIGHT_MAX, THIN_UNACKED_BYTES_MAX } from '../../../protocol/rudp/thin-stream.ts';
import { runThinStream } from '../../../scenarios/transfer/thin-stream.ts';
import { Pipe, seededRng } from './pipe.ts';
import { transfer } from './transfer.ts';

const DELAY_MS = 40;

/** An established pair, quiet for a while, with side 0's next `drops` datagrams dropped. */
function quietPair(seed: number, thin: boolean): { pipe: Pipe; a: number; b: number; dropNext: (count: number) => void } {
  const pipe = new Pipe(seed, { delay_ms: DELAY_MS }, { thin_stream_recovery: thin });
  const a = pipe.connect();
  pipe.run(() => pipe.events[1].some((e) => e.type === 'connected'), 5_000);
  const connected = pipe.events[1].find((e) => e.type === 'connected');
  const b = connected && connected.type === 'connected' ? connected.conn : -1;
  pipe.run(() => false, 1_000);
  let drops = 0;
  pipe.tap = (from, data) => (from === 0 && drops > 0 ? (drops--, undefined) : data);
  return { pipe, a, b, dropNext: (count) => (drops = count) };
}

/** Runs until side 1 has `bytes` readable; returns when (or Infinity). */
function readableAt(pipe: Pipe, b: number, bytes: number, limit_ms = 5_000): number {
  const conn = pipe.endpoints[1].connection(b)!;
  return pipe.run(() => conn.receiveStream.readable_bytes >= bytes, limit_ms) ? pipe.now : Infinity;
}

describe('thin-stream recovery', () => {
  it('a lost tail is carried by the probe-timeout packet itself (not an empty PING)', () => {
    const arrival = (thin: boolean): number => {
      const { pipe, a, b, dropNext } = quietPair(11, thin);
      const t0 = pipe.now;
      dropNext(1);
      pipe.endpoints[0].write(pipe.now, a, new Uint8Array(8).fill(1));
      pipe.drain();
      return readableAt(pipe, b, 8) - t0;
    };
    const on = arrival(true);
    const off = arrival(false);
    // Off: PTO, an empty probe, its ACK (a round trip), then the retransmission (one-way more).
    expect(on, `seed 11: with data in the probe ${on} ms, without ${off} ms`).toBeLessThanOrEqual(off - 2 * DELAY_MS + 1);
  });

  it('a lost small write is repaired by the next packet (bundled), without a round trip', () => {
    const arrival = (thin: boolean): number => {
      const { pipe, a, b, dropNext } = quietPair(12, thin);
      const t0 = pipe.now;
      dropNext(1);
      pipe.endpoints[0].write(pipe.now, a, new Uint8Array(8).fill(1));
      pipe.drain();
      pipe.run(() => false, 20);
      pipe.endpoints[0].write(pipe.now, a, new Uint8Array(8).fill(2));
      pipe.drain();
      return readableAt(pipe, b, 16) - t0;
    };
    const on = arrival(true);
    const off = arrival(false);
    expect(on, 'seed 12: both writes arrive with the second packet').toBeLessThanOrEqual(20 + DELAY_MS + 1);
    expect(off, 'seed 12: without bundling the first write waits for loss detection').toBeGreaterThan(20 + 2 * DELAY_MS);
  });

  it('ACK ranges are pruned: datagram sizes stay flat over a lossy 10 s thin stream (seed 3)', () => {
    const run = (thin: boolean) => runThinStream({ seed: 3, crypto: nobleCrypto, loss_p: 0.05, duration_ms: 10_000, config: { thin_stream_recovery: thin } });
    const on = run(true);
    const off = run(false);
    const growth = (r: typeof on): number => r.meanDatagramLast_bytes - r.meanDatagramFirst_bytes;
    expect(growth(on), `thin-stream seed 3: mean datagram ${on.meanDatagramFirst_bytes.toFixed(1)} -> ${on.meanDatagramLast_bytes.toFixed(1)} B`).toBeLessThan(6);
    expect(growth(off), 'without pruning the ranges pile up').toBeGreaterThan(15);
    expect(on.rtts_ms.every((x) => Number.isFinite(x)), 'every message came back').toBe(true);
    expect(on.bundled_bytes).toBeGreaterThan(0);
  });

  it('a bulk transfer never bundles (its packets are full and much is in flight)', () => {
    const pipe = new Pipe(13, { delay_ms: 10, loss: 0.01 });
    const data = seededRng(13).nextBytes(1 << 20);
    const result = transfer(pipe, data);
    expect(result.done).toBe(true);
    expect(result.received).toEqual(data);
    const connected = pipe.events[0].find((e) => e.type === 'connected');
    const conn = connected && connected.type === 'connected' ? pipe.endpoints[0].connection(connected.conn) : undefined;
    expect(conn, 'seed 13: the client connection is still known').toBeDefined();
    expect(conn!.retransmitted, 'seed 13: some loss was repaired').toBeGreaterThan(0);
    expect(conn!.bundled_bytes).toBe(0);
  });

  it('bundleStart: bundles all unacknowledged bytes only when thin and when they fit', () => {
    const base = { segmentOffset: 100, segmentLength: 9, ackedBelow: 64, packetsInFlight: 3, room_bytes: 1000 };
    expect(bundleStart(base)).toBe(64);
    expect(bundleStart({ ...base, ackedBelow: 100 })).toBe(100);
    expect(bundleStart({ ...base, room_bytes: 44 })).toBe(100);
    expect(bundleStart({ ...base, room_bytes: 45 })).toBe(64);
    expect(bundleStart({ ...base, packetsInFlight: THIN_PACKETS_IN_FLIGHT_MAX })).toBe(100);
    expect(bundleStart({ ...base, segmentOffset: 64 + THIN_UNACKED_BYTES_MAX + 1 })).toBe(64 + THIN_UNACKED_BYTES_MAX + 1);
  });

  it.prop([fc.array(fc.tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 1, max: 200 })), { minLength: 1, maxLength: 60 })])(
    'the receiver keeps each stream offset once, however segments overlap',
    (segments) => {
      const source = Uint8Array.from({ length: 1200 }, (_, i) => (i * 31 + 7) & 0xff);
      const stream = new ReceiveStream(4096);
      let covered = 0;
      for (const [offset, length] of segments) {
        const end = Math.min(1200, offset + length);
        expect(stream.onData(offset, source.subarray(offset, end), false)).toBe('ok');
        // Pending bytes never exceed the distinct bytes beyond the contiguous prefix.
        expect(stream.pending_bytes).toBeLessThanOrEqual(1200 - stream.received_bytes);
        covered = Math.max(covered, stream.received_bytes);
      }
      expect(stream.onData(0, source, true)).toBe('ok');
      expect(stream.pending_bytes).toBe(0);
      const out = stream.readExact(1200);
      expect(out).toEqual(source);
      expect(covered).toBeLessThanOrEqual(1200);
    },
  );
});
