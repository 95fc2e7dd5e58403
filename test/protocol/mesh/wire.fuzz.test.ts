// Every mesh and sync decoder, fuzzed: arbitrary bytes either decode or raise a typed
// DecodeError; every well-formed message round-trips exactly; and a node fed garbage from
// strangers and neighbours never throws, only counts drops.
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { DecodeError } from '../../../protocol/core/decode-error.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { rngFromFloat } from '../../../protocol/core/rng.ts';
import { MeshNode } from '../../../protocol/mesh/mesh-node.ts';
import { decodeMesh, encodeMesh, MESH_MAGIC, T, type MeshWire, type PeerEntry } from '../../../protocol/mesh/wire.ts';
import { decodeDigest, decodeWrite, encodeWrite } from '../../../protocol/sync/codec.ts';
import { DEFAULT_SYNC_LIMITS } from '../../../protocol/sync/replica.ts';

const limits = { protocol_bytes_max: 24, type_bytes_max: 32, packets_max: 16, entries_max: 8 };

function onlyDecodeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
  }
}

const bytes = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n });
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
const anAddr = fc.tuple(ipv4, fc.integer({ min: 1, max: 65_535 })).map(([ip, port]) => addr(ip, port));
const entry: fc.Arbitrary<PeerEntry> = fc.record({ key: bytes(32), addr: anAddr });
const hello = fc.record({ protocol: fc.string({ maxLength: 12 }), version: fc.nat(0xffff), key: bytes(32), addr: anAddr });
const packets = fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 4 });
const type = fc.string({ maxLength: 10 });
const ids = fc.array(bytes(16), { maxLength: 5 });

const message: fc.Arbitrary<MeshWire> = fc.oneof(
  hello.map((h) => ({ t: T.Join, hello: h }) as MeshWire),
  hello.map((h) => ({ t: T.Welcome, hello: h }) as MeshWire),
  fc.record({ hello, high: fc.boolean(), lazy: fc.boolean() }).map((m) => ({ t: T.Neighbor, ...m }) as MeshWire),
  fc.record({ hello, accepted: fc.boolean() }).map((m) => ({ t: T.NeighborReply, ...m }) as MeshWire),
  fc.record({ ttl: fc.nat(255), joiner: entry }).map((m) => ({ t: T.ForwardJoin, ...m }) as MeshWire),
  fc.constantFrom<MeshWire>({ t: T.Disconnect }, { t: T.Ping }, { t: T.Pong }, { t: T.Prune }),
  fc.record({ ttl: fc.nat(255), origin: entry, entries: fc.array(entry, { maxLength: 8 }) }).map((m) => ({ t: T.Shuffle, ...m }) as MeshWire),
  fc.record({ origin: entry, entries: fc.array(entry, { maxLength: 8 }) }).map((m) => ({ t: T.ShuffleReply, ...m }) as MeshWire),
  fc.record({ mine: fc.string({ maxLength: 12 }), myVersion: fc.nat(0xffff), yours: fc.string({ maxLength: 12 }), yourVersion: fc.nat(0xffff) }).map((m) => ({ t: T.Mismatch, ...m }) as MeshWire),
  fc.record({ id: bytes(16), hops: fc.nat(0xffff), retx: fc.boolean(), repaired: fc.boolean(), backup: fc.boolean(), type, origin: entry, packets }).map((m) => ({ t: T.Gossip, ...m }) as MeshWire),
  fc.array(fc.record({ id: bytes(16), hops: fc.nat(0xffff) }), { maxLength: 5 }).map((items) => ({ t: T.IHave, items }) as MeshWire),
  fc.record({ repair: fc.boolean(), ids }).map((m) => ({ t: T.Graft, ...m }) as MeshWire),
  ids.map((i) => ({ t: T.Ack, ids: i }) as MeshWire),
  fc.record({ id: bytes(16), type, packets }).map((m) => ({ t: T.Whisper, ...m }) as MeshWire),
  fc.record({ id: bytes(16), inReplyTo: bytes(16), type, origin: entry, packets }).map((m) => ({ t: T.Direct, ...m }) as MeshWire),
);

const meshLike = fc.tuple(fc.nat(0x20), fc.uint8Array({ maxLength: 300 })).map(([t, rest]) => Uint8Array.of(MESH_MAGIC, t, ...rest));

describe('mesh wire', () => {
  it.prop([message], { numRuns: 1500 })('every message round-trips exactly', (m) => {
    expect(decodeMesh(encodeMesh(m), limits)).toEqual(m);
  });

  it.prop([fc.oneof(fc.uint8Array({ maxLength: 400 }), meshLike)], { numRuns: 4000 })('arbitrary bytes decode or raise DecodeError', (data) =>
    onlyDecodeErrors(() => decodeMesh(data, limits)),
  );

  it.prop([message, fc.nat(200), fc.nat(255)], { numRuns: 1500 })('a mutated message decodes or raises DecodeError', (m, at, value) => {
    const data = encodeMesh(m);
    data[at % data.byteLength] = value;
    onlyDecodeErrors(() => decodeMesh(data, limits));
  });

  it.prop([message, fc.nat(200)], { numRuns: 800 })('a truncated or extended message is refused', (m, cut) => {
    const data = encodeMesh(m);
    const shorter = data.subarray(0, cut % data.byteLength);
    expect(() => decodeMesh(shorter, limits)).toThrow(DecodeError);
    expect(() => decodeMesh(Uint8Array.of(...data, 0), limits)).toThrow(DecodeError);
  });

  it('counts beyond the configured limits are refused', () => {
    const m: MeshWire = { t: T.ShuffleReply, origin: { key: new Uint8Array(32), addr: addr('10.0.0.2', 1) }, entries: Array.from({ length: 9 }, () => ({ key: new Uint8Array(32), addr: addr('10.0.0.1', 1) })) };
    expect(() => decodeMesh(encodeMesh(m), limits)).toThrow(/oversize/);
  });
});

describe('sync wire', () => {
  const write = fc.record({
    key: fc.uint8Array({ maxLength: 64 }),
    value: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
    owner: bytes(16).map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('')),
    start_ms: fc.nat(2 ** 40),
    lease_ms: fc.nat(0xffff_ffff),
    seq: fc.nat(0xffff_ffff),
  }).map((w) => ({ ...w, lease_ms: w.value === undefined ? 0 : w.lease_ms }));
  it.prop([write], { numRuns: 800 })('writes round-trip', (w) => {
    expect(decodeWrite(encodeWrite(w), DEFAULT_SYNC_LIMITS)).toEqual(w);
  });
  it.prop([fc.uint8Array({ maxLength: 200 })], { numRuns: 3000 })('arbitrary bytes decode or raise DecodeError', (data) => {
    onlyDecodeErrors(() => decodeWrite(data, DEFAULT_SYNC_LIMITS));
    onlyDecodeErrors(() => decodeDigest(data));
  });
});

describe('a node fed garbage', () => {
  it.prop([fc.array(fc.oneof(fc.uint8Array({ maxLength: 300 }), meshLike, message.map((m) => encodeMesh(m))), { maxLength: 60 })], { numRuns: 60 })(
    'never throws, from strangers or from a neighbour',
    (datagrams) => {
      let seed = 7;
      const rng = rngFromFloat(() => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646);
      const node = new MeshNode({ protocol_id: 'fuzz', protocol_version: 0x100, publicKey: new Uint8Array(32).fill(1), local: addr('10.0.0.1', 7400), crypto: nobleCrypto, rng });
      const friend = addr('10.0.0.2', 7400);
      // Make `friend` a neighbour first, so garbage also reaches the neighbour-only paths.
      node.handleDatagram(0, friend, encodeMesh({ t: T.Join, hello: { protocol: 'fuzz', version: 0x100, key: new Uint8Array(32).fill(2), addr: friend } }));
      expect(node.routingTable.size).toBe(1);
      let now = 1;
      for (const data of datagrams) {
        node.handleDatagram(now, friend, data);
        node.handleDatagram(now, addr('10.0.0.3', 9), data);
        now += 50;
        if (now >= (node.pollTimeout() ?? Infinity)) node.handleTimeout(now);
        while (node.pollTransmit());
        while (node.pollEvent());
      }
    },
  );
});
