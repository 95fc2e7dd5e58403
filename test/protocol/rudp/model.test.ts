// Model-based test (fc.commands) of the connection API: random interleavings of write,
// read, datagram, time passing and close, on a lossy pipe, checked against a model that
// is just "the bytes written so far". Received bytes are always a prefix of the model;
// after close everything written has arrived. Written bytes are a function of their stream
// offset (not one repeated byte), so reordering or duplication inside a write is visible.
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { TAG_BYTES } from '../../../protocol/rudp/cipher-state.ts';
import { DATA_HEADER_BYTES } from '../../../protocol/rudp/packet.ts';
import { Pipe } from './pipe.ts';

/** The byte at stream offset `i`: a multiplicative hash, so no two nearby offsets repeat a pattern. */
const byteAt = (i: number): number => Math.imul(i + 1, 0x9e3779b1) >>> 24;
/** Largest DATAGRAM payload in a 1200-byte datagram: header, tag, frame type and a 2-byte varint length. */
const DATAGRAM_PAYLOAD_MAX = 1200 - DATA_HEADER_BYTES - TAG_BYTES - 1 - 2;

interface Model {
  written: number[];
  closed: boolean;
}
interface Real {
  pipe: Pipe;
  client: number;
  server: number;
  received: number[];
}

function drainServer(real: Real): void {
  const server = real.pipe.endpoints[1];
  for (let c = server.read(real.server); c; c = server.read(real.server)) for (const b of c) real.received.push(b);
}

function checkPrefix(model: Model, real: Real): void {
  expect(real.received.length).toBeLessThanOrEqual(model.written.length);
  for (let i = 0; i < real.received.length; i++) if (real.received[i] !== model.written[i]) throw new Error(`byte ${i} differs`);
  const stats = real.pipe.endpoints[0].stats(real.client);
  if (stats) {
    expect(stats.bytes_in_flight).toBeGreaterThanOrEqual(0);
    expect(stats.cwnd_bytes).toBeGreaterThanOrEqual(2 * 1200);
  }
}

class Write implements fc.Command<Model, Real> {
  constructor(readonly size: number) {}
  check = (m: Readonly<Model>): boolean => !m.closed;
  run(m: Model, r: Real): void {
    const before = r.pipe.endpoints[0].writableBytes(r.client);
    const offset = m.written.length;
    const data = new Uint8Array(this.size).map((_, i) => byteAt(offset + i));
    const taken = r.pipe.endpoints[0].write(r.pipe.now, r.client, data);
    expect(taken).toBe(Math.min(this.size, before));
    for (let i = 0; i < taken; i++) m.written.push(data[i]!);
    r.pipe.drain();
    checkPrefix(m, r);
  }
  toString = (): string => `write(${this.size})`;
}

class Read implements fc.Command<Model, Real> {
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    drainServer(r);
    r.pipe.drain();
    checkPrefix(m, r);
  }
  toString = (): string => 'read';
}

class Advance implements fc.Command<Model, Real> {
  constructor(readonly ms: number) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    r.pipe.run(() => false, this.ms);
    checkPrefix(m, r);
  }
  toString = (): string => `advance(${this.ms})`;
}

class Datagram implements fc.Command<Model, Real> {
  constructor(readonly size: number) {}
  check = (m: Readonly<Model>): boolean => !m.closed;
  run(m: Model, r: Real): void {
    const connection = r.pipe.endpoints[0].connection(r.client);
    const established = connection?.state === 'established';
    if (established) expect(connection!.datagramPayloadMax).toBe(DATAGRAM_PAYLOAD_MAX);
    const ok = r.pipe.endpoints[0].sendDatagram(r.pipe.now, r.client, new Uint8Array(this.size));
    expect(ok).toBe(established && this.size <= DATAGRAM_PAYLOAD_MAX);
    r.pipe.drain();
    checkPrefix(m, r);
  }
  toString = (): string => `datagram(${this.size})`;
}

class Close implements fc.Command<Model, Real> {
  check = (m: Readonly<Model>): boolean => !m.closed;
  run(m: Model, r: Real): void {
    m.closed = true;
    r.pipe.endpoints[0].close(r.pipe.now, r.client);
    r.pipe.drain();
    checkPrefix(m, r);
  }
  toString = (): string => 'close';
}

const commands = [
  fc.integer({ min: 0, max: 200_000 }).map((s) => new Write(s)),
  fc.constant(new Read()),
  fc.integer({ min: 1, max: 400 }).map((ms) => new Advance(ms)),
  // Sizes around the limit (1167, 1168, 1169) come up on every seed, not by luck.
  fc.oneof(fc.integer({ min: 0, max: 1400 }), fc.constantFrom(DATAGRAM_PAYLOAD_MAX - 1, DATAGRAM_PAYLOAD_MAX, DATAGRAM_PAYLOAD_MAX + 1)).map((s) => new Datagram(s)),
  fc.constant(new Close()),
];

describe('rudp connection API against a model', () => {
  it.prop([fc.commands(commands, { maxCommands: 40 }), fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0, max: 0.2, noNaN: true })], { numRuns: 30 })(
    'received bytes are always a prefix of the written bytes, and all arrive after close',
    (cmds, seed, loss) => {
      const pipe = new Pipe(seed, { delay_ms: 10, loss, reorder: loss, duplicate: loss }, { send_buffer_bytes: 256 * 1024, stream_window_bytes: 128 * 1024 });
      let server = -1;
      pipe.onEvent = (side, e) => {
        if (side === 1 && e.type === 'connected') server = e.conn;
      };
      const client = pipe.connect();
      pipe.run(() => server >= 0, 30_000);
      const real: Real = { pipe, client, server, received: [] };
      const model: Model = { written: [], closed: false };
      fc.modelRun(() => ({ model, real }), cmds);
      if (!model.closed) pipe.endpoints[0].close(pipe.now, client);
      pipe.drain();
      pipe.run(() => {
        drainServer(real);
        return real.received.length === model.written.length && pipe.events[1].some((e) => e.type === 'end');
      }, 300_000);
      expect(real.received.length).toBe(model.written.length);
      checkPrefix(model, real);
    },
  );
});
