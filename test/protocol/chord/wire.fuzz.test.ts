// Every Chord decoder, fuzzed: arbitrary bytes either decode or raise a typed DecodeError;
// every well-formed message round-trips exactly; another ring's bytes are recognised as a
// mismatch before anything else is read; and a node fed garbage never throws, only counts.
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { DecodeError } from '../../../protocol/core/decode-error.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { rngFromFloat } from '../../../protocol/core/rng.ts';
import { ChordNode } from '../../../protocol/chord/chord-node.ts';
import { CHORD_MAGIC, decodeChord, encodeChord, GET_REPLY_EMPTY_BYTES, listRequestBytesMin, T, type ChordWire, type Identity, type Item, type NodeRef } from '../../../protocol/chord/wire.ts';

const m_bits = 20;
const ours: Identity = { version: 1, m_bits, ring_tag: new Uint8Array([1, 2, 3, 4]) };
const limits = { key_bytes_max: 64, value_bytes_max: 256, datagram_bytes_max: 1_200 };

const id = fc.bigInt({ min: 0n, max: (1n << BigInt(m_bits)) - 1n });
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
const ipv6 = fc.constantFrom('2001:db8::1', '::1', 'fe80::1:2');
const ref: fc.Arbitrary<NodeRef> = fc.record({ id, addr: fc.tuple(fc.oneof(ipv4, ipv6), fc.integer({ min: 1, max: 65_535 })).map(([ip, port]) => addr(ip, port)) });
const refs = fc.array(ref, { maxLength: 8 });
const rid = fc.nat(0xffff_ffff);
const key = fc.uint8Array({ minLength: 1, maxLength: 64 });
const item: fc.Arbitrary<Item> = fc.record({ key, value: fc.option(fc.uint8Array({ maxLength: 200 }), { nil: undefined }), version: fc.nat(0xffff_ffff) });

const message: fc.Arbitrary<ChordWire> = fc.oneof(
  fc.record({ rid, target: id, pad: fc.integer({ min: listRequestBytesMin(m_bits), max: 400 }) }).map((m) => ({ t: T.FindSucc, ...m }) as ChordWire),
  fc.record({ rid, pad: fc.integer({ min: listRequestBytesMin(m_bits), max: 400 }) }).map((m) => ({ t: T.GetPred, ...m }) as ChordWire),
  fc.record({ rid, key, pad: fc.integer({ min: GET_REPLY_EMPTY_BYTES, max: 400 }) }).map((m) => ({ t: T.Get, ...m }) as ChordWire),
  fc.record({ rid, done: fc.boolean(), nodes: refs }).map((m) => ({ t: T.FindSuccReply, ...m }) as ChordWire),
  fc.record({ rid, pred: fc.option(ref, { nil: undefined }), successors: refs }).map((m) => ({ t: T.GetPredReply, ...m }) as ChordWire),
  fc.record({ rid, self: ref }).map((m) => ({ t: T.Notify, ...m }) as ChordWire),
  fc.record({ rid, self: ref }).map((m) => ({ t: T.Hint, ...m }) as ChordWire),
  rid.map((r) => ({ t: T.Ping, rid: r }) as ChordWire),
  rid.map((r) => ({ t: T.Pong, rid: r }) as ChordWire),
  fc.record({ rid, status: fc.constantFrom('found', 'absent', 'deleted', 'too-large'), version: fc.nat(0xffff_ffff), value: fc.uint8Array({ maxLength: 200 }) }).map((m) => ({ t: T.GetReply, ...m, size: m.value.byteLength }) as ChordWire),
  fc.record({ rid, item }).map((m) => ({ t: T.Put, ...m }) as ChordWire),
  fc.record({ rid, status: fc.constantFrom('stored', 'full', 'not-responsible'), version: fc.nat(0xffff_ffff) }).map((m) => ({ t: T.PutReply, ...m }) as ChordWire),
  fc.record({ rid, items: fc.array(item, { maxLength: 3 }) }).map((m) => ({ t: T.Replicate, ...m }) as ChordWire),
  fc.record({ rid, self: ref, pred: fc.option(ref, { nil: undefined }), successors: refs }).map((m) => ({ t: T.Leave, ...m }) as ChordWire),
);

function onlyDecodeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
  }
}

describe('chord wire', () => {
  it.prop([message])('every message round-trips', (m) => {
    const bytes = encodeChord(ours, m, limits.datagram_bytes_max);
    const decoded = decodeChord(bytes, ours, limits);
    const padded = m.t === T.FindSucc || m.t === T.GetPred || m.t === T.Get;
    expect(decoded.message).toEqual(padded ? { ...m, pad: bytes.byteLength } : m);
  });

  it.prop([fc.uint8Array({ maxLength: 300 })])('arbitrary bytes decode or raise DecodeError', (bytes) => {
    onlyDecodeErrors(() => decodeChord(bytes, ours, limits));
    const framed = new Uint8Array([CHORD_MAGIC, 1, m_bits, 1, 2, 3, 4, ...bytes]);
    onlyDecodeErrors(() => decodeChord(framed, ours, limits));
  });

  it.prop([message, fc.nat(), fc.nat(255)])('a mutated message decodes or raises DecodeError', (m, at, value) => {
    const bytes = encodeChord(ours, m, limits.datagram_bytes_max);
    bytes[at % bytes.byteLength] = value;
    onlyDecodeErrors(() => decodeChord(bytes, ours, limits));
    onlyDecodeErrors(() => decodeChord(bytes.subarray(0, at % bytes.byteLength), ours, limits));
  });

  it.prop([message, fc.constantFrom('ring', 'm', 'version')])('another ring, m or version is a mismatch, never a message', (m, what) => {
    const theirs: Identity = what === 'ring' ? { ...ours, ring_tag: new Uint8Array([9, 9, 9, 9]) } : what === 'm' ? { ...ours, m_bits: 24 } : { ...ours, version: 2 };
    const decoded = decodeChord(encodeChord(theirs, m, limits.datagram_bytes_max), ours, limits);
    expect(decoded.message).toBeUndefined();
    expect(decoded.identity).toEqual(theirs);
  });

  it('ids beyond 2^m are refused', () => {
    const bytes = encodeChord({ ...ours, m_bits: 24 }, { t: T.FindSucc, rid: 1, target: (1n << 23n) + 5n, pad: 200 }, 1_200);
    bytes[2] = m_bits; // claim m = 20 with a 3-byte id whose top bits are set
    expect(() => decodeChord(bytes, ours, limits)).toThrow(DecodeError);
  });

  it.prop([fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 30 })])('a node fed garbage never throws and counts every drop', (datagrams) => {
    let x = 1;
    const rng = rngFromFloat(() => ((x = (x * 16807) % 2147483647) / 2147483647));
    const node = new ChordNode({ ring: 'r', m_bits, publicKey: new Uint8Array(32), local: addr('10.0.0.1', 1), crypto: nobleCrypto, rng });
    node.handleCommand(0, { type: 'create' });
    for (const [i, d] of datagrams.entries()) node.handleDatagram(i, addr('10.0.0.2', 2), d.byteLength > 0 ? d : new Uint8Array([CHORD_MAGIC]));
    const drops = Object.values(node.counters.drops).reduce((a, b) => a + b, 0);
    expect(drops + node.counters.datagrams_sent).toBeGreaterThan(0);
    while (node.pollTransmit()) {
      /* drain */
    }
  });

  it('requests too small to hold their answer are refused', () => {
    for (const m of [
      { t: T.FindSucc, rid: 1, target: 5n, pad: 0 },
      { t: T.GetPred, rid: 1, pad: 0 },
      { t: T.Get, rid: 1, key: new Uint8Array([1]), pad: 0 },
    ] as ChordWire[]) {
      expect(() => decodeChord(encodeChord(ours, m, 1_200), ours, limits)).toThrow(DecodeError);
    }
  });
});

// No unauthenticated answer outweighs its request: a node with full tables (successor list of
// 8, fingers, a predecessor, a stored 300-byte value) is sent every request type at every
// size, of our ring and of another; whatever it sends back to the requester is never larger.
const request: fc.Arbitrary<ChordWire> = fc.oneof(
  fc.record({ rid, target: id, pad: fc.nat(600) }).map((m) => ({ t: T.FindSucc, ...m }) as ChordWire),
  fc.record({ rid, pad: fc.nat(600) }).map((m) => ({ t: T.GetPred, ...m }) as ChordWire),
  fc.record({ rid, key: fc.oneof(key, fc.constant(new TextEncoder().encode('stored'))), pad: fc.nat(600) }).map((m) => ({ t: T.Get, ...m }) as ChordWire),
  fc.record({ rid, item }).map((m) => ({ t: T.Put, ...m }) as ChordWire),
  rid.map((r) => ({ t: T.Ping, rid: r }) as ChordWire),
  fc.record({ rid, self: ref }).map((m) => ({ t: T.Notify, ...m }) as ChordWire),
  fc.record({ rid, self: ref }).map((m) => ({ t: T.Hint, ...m }) as ChordWire),
);

describe('chord amplification', () => {
  it.prop([request, fc.boolean(), fc.array(ref, { minLength: 8, maxLength: 8 }), ref])('no answer to the requester outweighs its request', (m, foreign, successors, pred) => {
    let x = 7;
    const rng = rngFromFloat(() => ((x = (x * 16807) % 2147483647) / 2147483647));
    const node = new ChordNode({ ring: 'r', m_bits, publicKey: new Uint8Array(32), local: addr('10.0.0.1', 1), crypto: nobleCrypto, rng, limits: { key_bytes_max: 64, value_bytes_max: 400 } });
    node.handleCommand(0, { type: 'create' });
    node.routing.setSuccessors(successors.map((s) => ({ id: s.id, addr: addr('2001:db8::9', s.addr.port) })));
    for (let i = 1; i < m_bits; i++) node.routing.fingers[i] = successors[i % successors.length];
    node.routing.predecessor = pred;
    const stored = new TextEncoder().encode('stored');
    node.store.write(0, stored, node.keyId(stored), new Uint8Array(300));
    const identity = foreign ? { ...node.identity, ring_tag: new Uint8Array([9, 9, 9, 9]) } : node.identity;
    const bytes = encodeChord(identity, m, 1_200);
    const requester = addr('192.0.2.7', 4000);
    node.handleDatagram(1, requester, bytes);
    for (let t = node.pollTransmit(); t !== undefined; t = node.pollTransmit()) {
      if (t.remote.ip === requester.ip && t.remote.port === requester.port) expect(t.data.byteLength).toBeLessThanOrEqual(bytes.byteLength);
    }
  });
});
