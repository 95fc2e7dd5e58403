// The mesh wire format: one message per datagram (or per secure-session message), first
// byte MESH_MAGIC (overlay range of core/demux.ts), then a type byte and a fixed sequence of
// bounded fields. Decoding is a straight run of Reader calls, so every length, count and
// range a peer sends is checked before it is used (DecodeError on anything else).
import { ipFromBytes, ipToBytes, type Addr } from '../core/addr.ts';
import { DecodeError } from '../core/decode-error.ts';
import { FIRST_BYTE } from '../core/demux.ts';
import { Reader } from '../core/reader.ts';
import { Writer } from '../core/writer.ts';

export const MESH_MAGIC = FIRST_BYTE.overlayMin; // 0xB0
export const KEY_BYTES = 32;
export const MSG_ID_BYTES = 16;
/** Bounds that hold for any config; config limits (message_bytes_max…) apply on top. */
export const WIRE_PACKETS_MAX = 255;
export const WIRE_ENTRIES_MAX = 64;
export const WIRE_IDS_MAX = 255;

export enum T {
  Join = 0x01,
  Welcome = 0x02,
  Neighbor = 0x03,
  NeighborReply = 0x04,
  ForwardJoin = 0x05,
  Disconnect = 0x06,
  Shuffle = 0x07,
  ShuffleReply = 0x08,
  Ping = 0x09,
  /** The answer to a PING (only the pinging side needs to hear back). */
  Pong = 0x0b,
  Mismatch = 0x0a,
  Gossip = 0x10,
  IHave = 0x11,
  Graft = 0x12,
  Prune = 0x13,
  Whisper = 0x14,
  Direct = 0x15,
  Ack = 0x16,
}

/** Who I am: sent in every request that creates a link, and in the answer. */
export interface Hello {
  readonly protocol: string;
  readonly version: number;
  readonly key: Uint8Array;
  readonly addr: Addr;
}

export interface PeerEntry {
  readonly key: Uint8Array;
  readonly addr: Addr;
}

export interface Announcement {
  readonly id: Uint8Array;
  readonly hops: number;
}

export type MeshWire =
  | { readonly t: T.Join; readonly hello: Hello }
  | { readonly t: T.Welcome; readonly hello: Hello }
  | { readonly t: T.Neighbor; readonly hello: Hello; readonly high: boolean; readonly lazy: boolean }
  | { readonly t: T.NeighborReply; readonly hello: Hello; readonly accepted: boolean }
  | { readonly t: T.ForwardJoin; readonly ttl: number; readonly joiner: PeerEntry }
  | { readonly t: T.Disconnect }
  | { readonly t: T.Shuffle; readonly ttl: number; readonly origin: PeerEntry; readonly entries: readonly PeerEntry[] }
  | { readonly t: T.ShuffleReply; readonly origin: PeerEntry; readonly entries: readonly PeerEntry[] }
  | { readonly t: T.Ping }
  | { readonly t: T.Pong }
  | { readonly t: T.Mismatch; readonly mine: string; readonly myVersion: number; readonly yours: string; readonly yourVersion: number }
  | {
      readonly t: T.Gossip;
      readonly id: Uint8Array;
      readonly hops: number;
      /** An answer to a GRAFT, not a push: not acknowledged, and a duplicate of it is not a tree cycle. */
      readonly retx: boolean;
      /**
       * Pushed by a node that fetched it by GRAFT: it may go back up towards a node that has
       * it already, so a duplicate of it is not a tree cycle either (no PRUNE).
       */
      readonly repaired: boolean;
      /**
       * The origin's copy on one of its lazy links, sent in place of the IHAVE (first hop
       * only): the receiver holds it as an announcement it need not fetch, and delivers it
       * only if the tree copy is late (plumtree.ts: an origin that dies right after sending).
       */
      readonly backup: boolean;
      readonly type: string;
      readonly origin: PeerEntry;
      readonly packets: readonly Uint8Array[];
    }
  | { readonly t: T.Ack; readonly ids: readonly Uint8Array[] }
  | { readonly t: T.IHave; readonly items: readonly Announcement[] }
  | { readonly t: T.Graft; readonly repair: boolean; readonly ids: readonly Uint8Array[] }
  | { readonly t: T.Prune }
  | { readonly t: T.Whisper; readonly id: Uint8Array; readonly type: string; readonly packets: readonly Uint8Array[] }
  | {
      readonly t: T.Direct;
      readonly id: Uint8Array;
      readonly inReplyTo: Uint8Array;
      readonly type: string;
      readonly origin: PeerEntry;
      readonly packets: readonly Uint8Array[];
    };

// ---------------- encode ----------------

const writers = new Map<number, Writer>();

/**
 * IP text -> bytes, memoised (bounded): every gossip carries its origin's address, and parsing
 * the same few thousand IP strings again for each datagram was a visible share of a 1,000-peer
 * simulation's time.
 */
const ipBytesMemo = new Map<string, Uint8Array>();
const ip_memo_max = 8_192;

function ipBytes(ip: string): Uint8Array {
  let bytes = ipBytesMemo.get(ip);
  if (bytes === undefined) {
    bytes = ipToBytes(ip);
    if (ipBytesMemo.size >= ip_memo_max) ipBytesMemo.clear();
    ipBytesMemo.set(ip, bytes);
  }
  return bytes;
}

function writeAddr(w: Writer, a: Addr): void {
  const ip = ipBytes(a.ip);
  w.u8(ip.byteLength === 4 ? 4 : 6).bytes(ip).u16(a.port);
}

function writeHello(w: Writer, h: Hello): void {
  w.string8(h.protocol).u16(h.version).bytes(h.key);
  writeAddr(w, h.addr);
}

function writeEntry(w: Writer, e: PeerEntry): void {
  w.bytes(e.key);
  writeAddr(w, e.addr);
}

function writePackets(w: Writer, packets: readonly Uint8Array[]): void {
  w.u8(packets.length);
  for (const p of packets) w.bytesPrefixed16(p);
}

/** Encodes one message; throws EncodeLimitError past `limit_bytes` (callers check sizes first). */
export function encodeMesh(m: MeshWire, limit_bytes = 65_507): Uint8Array {
  // One writer per limit, reused: encoding is synchronous and finish() copies out.
  let w = writers.get(limit_bytes);
  if (w === undefined) writers.set(limit_bytes, (w = new Writer(limit_bytes)));
  w.reset();
  w.u8(MESH_MAGIC).u8(m.t);
  switch (m.t) {
    case T.Join:
    case T.Welcome:
      writeHello(w, m.hello);
      break;
    case T.Neighbor:
      writeHello(w, m.hello);
      w.u8((m.high ? 1 : 0) | (m.lazy ? 2 : 0));
      break;
    case T.NeighborReply:
      writeHello(w, m.hello);
      w.u8(m.accepted ? 1 : 0);
      break;
    case T.ForwardJoin:
      w.u8(m.ttl);
      writeEntry(w, m.joiner);
      break;
    case T.Disconnect:
    case T.Ping:
    case T.Pong:
    case T.Prune:
      break;
    case T.Shuffle:
      w.u8(m.ttl);
      writeEntry(w, m.origin);
      w.u8(m.entries.length);
      for (const e of m.entries) writeEntry(w, e);
      break;
    case T.ShuffleReply:
      writeEntry(w, m.origin);
      w.u8(m.entries.length);
      for (const e of m.entries) writeEntry(w, e);
      break;
    case T.Mismatch:
      w.string8(m.mine).u16(m.myVersion).string8(m.yours).u16(m.yourVersion);
      break;
    case T.Gossip:
      w.bytes(m.id).u16(m.hops).u8((m.retx ? 1 : 0) | (m.repaired ? 2 : 0) | (m.backup ? 4 : 0)).string8(m.type);
      writeEntry(w, m.origin);
      writePackets(w, m.packets);
      break;
    case T.IHave:
      w.u8(m.items.length);
      for (const item of m.items) w.bytes(item.id).u16(item.hops);
      break;
    case T.Graft:
      w.u8(m.repair ? 1 : 0).u8(m.ids.length);
      for (const id of m.ids) w.bytes(id);
      break;
    case T.Ack:
      w.u8(m.ids.length);
      for (const id of m.ids) w.bytes(id);
      break;
    case T.Whisper:
      w.bytes(m.id).string8(m.type);
      writePackets(w, m.packets);
      break;
    case T.Direct:
      w.bytes(m.id).bytes(m.inReplyTo).string8(m.type);
      writeEntry(w, m.origin);
      writePackets(w, m.packets);
      break;
  }
  return w.finish();
}

// ---------------- decode ----------------

export interface DecodeLimits {
  readonly protocol_bytes_max: number;
  readonly type_bytes_max: number;
  readonly packets_max: number;
  readonly entries_max: number;
}

function readAddr(r: Reader): Addr {
  const family = r.u8('addr.family');
  if (family !== 4 && family !== 6) throw new DecodeError('invalid', 'addr.family', String(family));
  const ip = ipFromBytes(r.bytesView(family === 4 ? 4 : 16, 'addr.ip'));
  const port = r.u16('addr.port');
  if (port === 0) throw new DecodeError('invalid', 'addr.port', '0');
  return { family, ip, port };
}

function readKey(r: Reader, field: string): Uint8Array {
  return r.bytesCopy(KEY_BYTES, field);
}

function readHello(r: Reader, l: DecodeLimits): Hello {
  const protocol = r.string8(l.protocol_bytes_max, 'hello.protocol');
  const version = r.u16('hello.version');
  const key = readKey(r, 'hello.key');
  return { protocol, version, key, addr: readAddr(r) };
}

function readEntry(r: Reader, field: string): PeerEntry {
  return { key: readKey(r, `${field}.key`), addr: readAddr(r) };
}

function readEntries(r: Reader, l: DecodeLimits): PeerEntry[] {
  const count = r.u8('entries.count');
  if (count > l.entries_max) throw new DecodeError('oversize', 'entries.count', `${count} > ${l.entries_max}`);
  const out: PeerEntry[] = [];
  for (let i = 0; i < count; i++) out.push(readEntry(r, 'entry'));
  return out;
}

function readPackets(r: Reader, l: DecodeLimits): Uint8Array[] {
  const count = r.u8('packets.count');
  if (count > l.packets_max) throw new DecodeError('oversize', 'packets.count', `${count} > ${l.packets_max}`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) out.push(r.bytesPrefixed16(0xffff, 'packet'));
  return out;
}

function readFlag(r: Reader, field: string): boolean {
  const v = r.u8(field);
  if (v > 1) throw new DecodeError('invalid', field, String(v));
  return v === 1;
}

/** Decodes one whole message; any malformed, oversize or trailing input raises DecodeError. */
export function decodeMesh(data: Uint8Array, l: DecodeLimits): MeshWire {
  const r = new Reader(data);
  if (r.u8('mesh.magic') !== MESH_MAGIC) throw new DecodeError('invalid', 'mesh.magic');
  const t = r.u8('mesh.type');
  let m: MeshWire;
  switch (t) {
    case T.Join:
    case T.Welcome:
      m = { t: t as T.Join | T.Welcome, hello: readHello(r, l) };
      break;
    case T.Neighbor: {
      const hello = readHello(r, l);
      const flags = r.u8('neighbor.flags');
      if (flags > 3) throw new DecodeError('invalid', 'neighbor.flags', String(flags));
      m = { t: T.Neighbor, hello, high: (flags & 1) === 1, lazy: (flags & 2) === 2 };
      break;
    }
    case T.NeighborReply:
      m = { t: T.NeighborReply, hello: readHello(r, l), accepted: readFlag(r, 'reply.accepted') };
      break;
    case T.ForwardJoin:
      m = { t: T.ForwardJoin, ttl: r.u8('ttl'), joiner: readEntry(r, 'joiner') };
      break;
    case T.Disconnect:
    case T.Ping:
    case T.Pong:
    case T.Prune:
      m = { t: t as T.Disconnect | T.Ping | T.Pong | T.Prune };
      break;
    case T.Shuffle: {
      const ttl = r.u8('ttl');
      const origin = readEntry(r, 'origin');
      m = { t: T.Shuffle, ttl, origin, entries: readEntries(r, l) };
      break;
    }
    case T.ShuffleReply: {
      const origin = readEntry(r, 'origin');
      m = { t: T.ShuffleReply, origin, entries: readEntries(r, l) };
      break;
    }
    case T.Mismatch:
      m = {
        t: T.Mismatch,
        mine: r.string8(l.protocol_bytes_max, 'mismatch.mine'),
        myVersion: r.u16('mismatch.myVersion'),
        yours: r.string8(l.protocol_bytes_max, 'mismatch.yours'),
        yourVersion: r.u16('mismatch.yourVersion'),
      };
      break;
    case T.Gossip: {
      const id = r.bytesCopy(MSG_ID_BYTES, 'gossip.id');
      const hops = r.u16('gossip.hops');
      const flags = r.u8('gossip.flags');
      if (flags > 7) throw new DecodeError('invalid', 'gossip.flags', String(flags));
      const retx = (flags & 1) === 1;
      const repaired = (flags & 2) === 2;
      const backup = (flags & 4) === 4;
      const type = r.string8(l.type_bytes_max, 'gossip.type');
      const origin = readEntry(r, 'gossip.origin');
      m = { t: T.Gossip, id, hops, retx, repaired, backup, type, origin, packets: readPackets(r, l) };
      break;
    }
    case T.IHave: {
      const count = r.u8('ihave.count');
      const items: Announcement[] = [];
      for (let i = 0; i < count; i++) items.push({ id: r.bytesCopy(MSG_ID_BYTES, 'ihave.id'), hops: r.u16('ihave.hops') });
      m = { t: T.IHave, items };
      break;
    }
    case T.Graft: {
      const repair = readFlag(r, 'graft.repair');
      const count = r.u8('graft.count');
      const ids: Uint8Array[] = [];
      for (let i = 0; i < count; i++) ids.push(r.bytesCopy(MSG_ID_BYTES, 'graft.id'));
      m = { t: T.Graft, repair, ids };
      break;
    }
    case T.Ack: {
      const count = r.u8('ack.count');
      const ids: Uint8Array[] = [];
      for (let i = 0; i < count; i++) ids.push(r.bytesCopy(MSG_ID_BYTES, 'ack.id'));
      m = { t: T.Ack, ids };
      break;
    }
    case T.Whisper: {
      const id = r.bytesCopy(MSG_ID_BYTES, 'whisper.id');
      const type = r.string8(l.type_bytes_max, 'whisper.type');
      m = { t: T.Whisper, id, type, packets: readPackets(r, l) };
      break;
    }
    case T.Direct: {
      const id = r.bytesCopy(MSG_ID_BYTES, 'direct.id');
      const inReplyTo = r.bytesCopy(MSG_ID_BYTES, 'direct.inReplyTo');
      const type = r.string8(l.type_bytes_max, 'direct.type');
      const origin = readEntry(r, 'direct.origin');
      m = { t: T.Direct, id, inReplyTo, type, origin, packets: readPackets(r, l) };
      break;
    }
    default:
      throw new DecodeError('invalid', 'mesh.type', String(t));
  }
  r.end('mesh.end');
  return m;
}

// The shared byte helpers (protocol/core/bytes.ts), under the names mesh code uses.
export { hex, equalBytes as bytesEqual } from '../core/bytes.ts';
