// The Chord wire format: one message per datagram (15 types). Every message opens with the protocol
// identity (magic, version, m, a 4-byte tag of the ring's name) so a node of another ring or
// version is told apart before anything else is read, then a type byte and a request id.
// Decoding is a straight run of bounded Reader calls: every count, length and range a peer
// sends is checked before use (DecodeError on anything else, which the node counts and drops).
//
// Requests whose answer can be long (FIND_SUCC, GET_PRED, GET) are padded by the sender and
// the answer is cut to the request's size, so no unauthenticated answer outweighs its request.
import { ipFromBytes, ipToBytes, type Addr } from '../core/addr.ts';
import { DecodeError } from '../core/decode-error.ts';
import { FIRST_BYTE } from '../core/demux.ts';
import { Reader } from '../core/reader.ts';
import { Writer } from '../core/writer.ts';
import { idBytes, idFromBytes, idToBytes, m_bits_max, m_bits_min, type ChordId } from './id.ts';

export const CHORD_MAGIC = FIRST_BYTE.overlayMin + 8; // 0xB8 (mesh owns 0xB0)
export const RING_TAG_BYTES = 4;
/** Refs one message may carry, whatever the config says (a decoder bound). */
export const WIRE_REFS_MAX = 48;
/** Data items one REPLICATE may carry. */
export const WIRE_ITEMS_MAX = 64;
export const HEADER_BYTES = 1 + 1 + 1 + RING_TAG_BYTES + 1 + 4;

export enum T {
  FindSucc = 0x01,
  FindSuccReply = 0x02,
  GetPred = 0x03,
  GetPredReply = 0x04,
  Notify = 0x05,
  Ping = 0x06,
  Pong = 0x07,
  Get = 0x08,
  GetReply = 0x09,
  Put = 0x0a,
  PutReply = 0x0b,
  Replicate = 0x0c,
  Leave = 0x0d,
  Mismatch = 0x0e,
  /** "I may be your successor (I joined after you, or my successor list changed): stabilize." */
  Hint = 0x0f,
}

export interface NodeRef {
  readonly id: ChordId;
  readonly addr: Addr;
}

export interface Identity {
  readonly version: number;
  readonly m_bits: number;
  readonly ring_tag: Uint8Array;
}

export type GetStatus = 'found' | 'absent' | 'deleted' | 'too-large';
export type PutStatus = 'stored' | 'full' | 'not-responsible';

export interface Item {
  readonly key: Uint8Array;
  /** undefined = tombstone (deleted). */
  readonly value: Uint8Array | undefined;
  readonly version: number;
}

export type ChordWire =
  | { readonly t: T.FindSucc; readonly rid: number; readonly target: ChordId; readonly pad: number }
  /** done: `nodes` is the responder's successor list (nodes[0] = successor(target)); else candidates, best first. */
  | { readonly t: T.FindSuccReply; readonly rid: number; readonly done: boolean; readonly nodes: readonly NodeRef[] }
  | { readonly t: T.GetPred; readonly rid: number; readonly pad: number }
  | { readonly t: T.GetPredReply; readonly rid: number; readonly pred: NodeRef | undefined; readonly successors: readonly NodeRef[] }
  | { readonly t: T.Notify; readonly rid: number; readonly self: NodeRef }
  | { readonly t: T.Hint; readonly rid: number; readonly self: NodeRef }
  | { readonly t: T.Ping; readonly rid: number }
  | { readonly t: T.Pong; readonly rid: number }
  | { readonly t: T.Get; readonly rid: number; readonly key: Uint8Array; readonly pad: number }
  | { readonly t: T.GetReply; readonly rid: number; readonly status: GetStatus; readonly version: number; readonly value: Uint8Array; readonly size: number }
  | { readonly t: T.Put; readonly rid: number; readonly item: Item }
  | { readonly t: T.PutReply; readonly rid: number; readonly status: PutStatus; readonly version: number }
  | { readonly t: T.Replicate; readonly rid: number; readonly items: readonly Item[] }
  | { readonly t: T.Leave; readonly rid: number; readonly self: NodeRef; readonly pred: NodeRef | undefined; readonly successors: readonly NodeRef[] }
  /** Encoding: `theirs` is the identity the refused request carried; decoding: the refuser's own. */
  | { readonly t: T.Mismatch; readonly rid: number; readonly theirs: Identity };

export interface Decoded {
  readonly identity: Identity;
  /** The request id, read before the identity check (a MISMATCH answer echoes it). */
  readonly rid: number;
  /** undefined when the identity differs from ours (only the header was read). */
  readonly message: ChordWire | undefined;
}

const GET_STATUS: readonly GetStatus[] = ['found', 'absent', 'deleted', 'too-large'];
const PUT_STATUS: readonly PutStatus[] = ['stored', 'full', 'not-responsible'];

/** A GET_REPLY without a value: header, status, version, size, empty value. */
export const GET_REPLY_EMPTY_BYTES = HEADER_BYTES + 1 + 4 + 4 + 2;

/**
 * The least a FIND_SUCC or GET_PRED must weigh: its answer (header, two bytes of flags and
 * count, one ref: the predecessor, or the one node a FIND_SUCC answer always names) must fit.
 */
export function listRequestBytesMin(m_bits: number): number {
  return HEADER_BYTES + 2 + refBytes(m_bits);
}

export function refBytes(m_bits: number, family: 4 | 6 = 6): number {
  return idBytes(m_bits) + 1 + (family === 4 ? 4 : 16) + 2;
}

/**
 * A ref's encoded bytes, kept on the ref (a node sends the same refs over and over, and refs it
 * decoded go out again as they came). The cache is keyed by length: one node uses one m, and
 * refs of equal id width encode alike whatever m is.
 */
interface EncodedRef {
  wire?: Uint8Array;
}

function writeRef(w: Writer, ref: NodeRef, m_bits: number): void {
  const width = idBytes(m_bits);
  const ipLength = ref.addr.family === 4 ? 4 : 16;
  const cache = ref as EncodedRef;
  let bytes = cache.wire;
  if (bytes === undefined || bytes.byteLength !== width + 3 + ipLength) {
    const ip = ipToBytes(ref.addr.ip);
    bytes = new Uint8Array(width + 1 + ip.byteLength + 2);
    idToBytes(ref.id, m_bits, bytes, 0);
    bytes[width] = ref.addr.family;
    bytes.set(ip, width + 1);
    bytes[width + 1 + ip.byteLength] = ref.addr.port >> 8;
    bytes[width + 2 + ip.byteLength] = ref.addr.port & 0xff;
    if (Object.isExtensible(ref)) cache.wire = bytes;
  }
  w.bytes(bytes);
}

/** Bits of the first id byte that must be zero so the id lies in [0, 2^m). */
function topByteLimit(m_bits: number): number {
  const used = m_bits - 8 * (idBytes(m_bits) - 1);
  return 1 << used;
}

function readRef(r: Reader, m_bits: number): NodeRef {
  const width = idBytes(m_bits);
  const idView = r.bytesView(width, 'ref.id');
  if (idView[0]! >= topByteLimit(m_bits)) throw new DecodeError('invalid', 'ref.id', 'beyond 2^m');
  const id = idFromBytes(idView);
  const family = r.u8('ref.family');
  if (family !== 4 && family !== 6) throw new DecodeError('invalid', 'ref.family', String(family));
  const ipLength = family === 4 ? 4 : 16;
  const ip = ipFromBytes(r.bytesView(ipLength, 'ref.ip'));
  const port = r.u16('ref.port');
  if (port === 0) throw new DecodeError('invalid', 'ref.port', '0');
  // Keep the bytes it came in, all read above (a copy: the datagram's buffer is the driver's).
  const wire = new Uint8Array(idView.buffer, idView.byteOffset, width + 3 + ipLength).slice();
  return { id, addr: { family, ip, port }, wire } as NodeRef;
}

function writeRefs(w: Writer, refs: readonly NodeRef[], m_bits: number): void {
  w.u8(refs.length);
  for (const ref of refs) writeRef(w, ref, m_bits);
}

function readRefs(r: Reader, m_bits: number, field: string): NodeRef[] {
  const count = r.u8(`${field}.count`);
  if (count > WIRE_REFS_MAX) throw new DecodeError('oversize', field, `${count} refs`);
  const out: NodeRef[] = [];
  for (let i = 0; i < count; i++) out.push(readRef(r, m_bits));
  return out;
}

function writeItem(w: Writer, item: Item): void {
  w.u8(item.value === undefined ? 1 : 0).u32(item.version).bytesPrefixed16(item.key);
  if (item.value !== undefined) w.bytesPrefixed16(item.value);
}

function readItem(r: Reader, limits: WireLimits): Item {
  const flags = r.u8('item.flags');
  if (flags > 1) throw new DecodeError('invalid', 'item.flags', String(flags));
  const version = r.u32('item.version');
  const key = r.bytesPrefixed16(limits.key_bytes_max, 'item.key');
  if (key.byteLength === 0) throw new DecodeError('invalid', 'item.key', 'empty');
  const value = flags === 1 ? undefined : r.bytesPrefixed16(limits.value_bytes_max, 'item.value');
  return { key, value, version };
}

const zeros = new Uint8Array(2_048);

function pad(w: Writer, to_bytes: number): void {
  const count = Math.min(Math.max(0, to_bytes - w.length), w.remaining);
  if (count > 0) w.bytes(count <= zeros.byteLength ? zeros.subarray(0, count) : new Uint8Array(count));
}

let scratch = new Uint8Array(0);
function targetScratch(m_bits: number): Uint8Array {
  if (scratch.byteLength !== idBytes(m_bits)) scratch = new Uint8Array(idBytes(m_bits));
  return scratch;
}

/** One writer reused for every message (finish() copies out the exact bytes). */
let shared: Writer | undefined;

export interface WireLimits {
  readonly key_bytes_max: number;
  readonly value_bytes_max: number;
  readonly datagram_bytes_max: number;
}

/** Encodes one message; throws EncodeLimitError only on a caller bug (sizes are checked first). */
export function encodeChord(identity: Identity, m: ChordWire, datagram_bytes_max: number): Uint8Array {
  if (shared === undefined || shared.limit_bytes !== datagram_bytes_max) shared = new Writer(datagram_bytes_max, datagram_bytes_max);
  const w = shared.reset();
  w.u8(CHORD_MAGIC).u8(identity.version).u8(identity.m_bits).bytes(identity.ring_tag).u8(m.t).u32(m.rid);
  const mb = identity.m_bits;
  switch (m.t) {
    case T.FindSucc:
      w.bytes(idToBytes(m.target, mb, targetScratch(mb)));
      pad(w, m.pad);
      break;
    case T.FindSuccReply:
      w.u8(m.done ? 1 : 0);
      writeRefs(w, m.nodes, mb);
      break;
    case T.GetPred:
      pad(w, m.pad);
      break;
    case T.GetPredReply:
      w.u8(m.pred ? 1 : 0);
      if (m.pred) writeRef(w, m.pred, mb);
      writeRefs(w, m.successors, mb);
      break;
    case T.Notify:
    case T.Hint:
      writeRef(w, m.self, mb);
      break;
    case T.Ping:
    case T.Pong:
      break;
    case T.Get:
      w.bytesPrefixed16(m.key);
      pad(w, m.pad);
      break;
    case T.GetReply:
      w.u8(GET_STATUS.indexOf(m.status)).u32(m.version).u32(m.size).bytesPrefixed16(m.value);
      break;
    case T.Put:
      writeItem(w, m.item);
      break;
    case T.PutReply:
      w.u8(PUT_STATUS.indexOf(m.status)).u32(m.version);
      break;
    case T.Replicate:
      w.u8(m.items.length);
      for (const item of m.items) writeItem(w, item);
      break;
    case T.Leave:
      writeRef(w, m.self, mb);
      w.u8(m.pred ? 1 : 0);
      if (m.pred) writeRef(w, m.pred, mb);
      writeRefs(w, m.successors, mb);
      break;
    case T.Mismatch:
      w.u8(m.theirs.version).u8(m.theirs.m_bits).bytes(m.theirs.ring_tag);
      break;
  }
  return w.finish();
}

/** Bytes 1..6 of the datagram (version, m, ring tag) are `ours`. */
function headerIsOurs(data: Uint8Array, ours: Identity): boolean {
  if (data[1] !== ours.version || data[2] !== ours.m_bits) return false;
  for (let i = 0; i < RING_TAG_BYTES; i++) if (data[3 + i] !== ours.ring_tag[i]) return false;
  return true;
}

function readIdentity(r: Reader, field: string): Identity {
  const version = r.u8(`${field}.version`);
  const m_bits = r.u8(`${field}.m`);
  const ring_tag = r.bytesCopy(RING_TAG_BYTES, `${field}.ring`);
  return { version, m_bits, ring_tag };
}

/**
 * Decodes one datagram. A different identity (ring, m or version) returns `message:
 * undefined` with the sender's identity, so the node can answer MISMATCH and report it.
 */
export function decodeChord(data: Uint8Array, ours: Identity, limits: WireLimits): Decoded {
  if (data.byteLength > limits.datagram_bytes_max) throw new DecodeError('oversize', 'datagram', `${data.byteLength}`);
  const r = new Reader(data);
  if (r.u8('magic') !== CHORD_MAGIC) throw new DecodeError('invalid', 'magic');
  // Our own identity (the common case) is compared in place: no object is built for it.
  const ourHeader = data.byteLength >= HEADER_BYTES && headerIsOurs(data, ours);
  const identity = ourHeader ? ours : readIdentity(r, 'identity');
  if (ourHeader) r.skip(2 + RING_TAG_BYTES, 'identity');
  const t = r.u8('type');
  const rid = r.u32('rid');
  // A MISMATCH is read whatever identity it carries (it is the one message between rings),
  // and is never answered, so two rings cannot ping-pong mismatches.
  if (t === T.Mismatch) {
    // The body repeats what the sender saw from us; the sender's own identity is the header.
    readIdentity(r, 'seen');
    r.end();
    return { identity, rid, message: { t, rid, theirs: identity } };
  }
  if (!ourHeader) return { identity, rid, message: undefined };
  const mb = ours.m_bits;
  let m: ChordWire;
  switch (t) {
    case T.FindSucc: {
      // Padded to hold at least one ref in the answer, so no answer outweighs it.
      if (data.byteLength < listRequestBytesMin(mb)) throw new DecodeError('invalid', 'pad', `${data.byteLength} bytes`);
      const view = r.bytesView(idBytes(mb), 'target');
      if (view[0]! >= topByteLimit(mb)) throw new DecodeError('invalid', 'target', 'beyond 2^m');
      const target = idFromBytes(view);
      r.rest();
      return { identity, rid, message: { t, rid, target, pad: data.byteLength } };
    }
    case T.FindSuccReply: {
      const done = r.u8('done');
      if (done > 1) throw new DecodeError('invalid', 'done');
      m = { t, rid, done: done === 1, nodes: readRefs(r, mb, 'nodes') };
      break;
    }
    case T.GetPred:
      if (data.byteLength < listRequestBytesMin(mb)) throw new DecodeError('invalid', 'pad', `${data.byteLength} bytes`);
      r.rest();
      return { identity, rid, message: { t, rid, pad: data.byteLength } };
    case T.GetPredReply: {
      const has = r.u8('has_pred');
      if (has > 1) throw new DecodeError('invalid', 'has_pred');
      const pred = has === 1 ? readRef(r, mb) : undefined;
      m = { t, rid, pred, successors: readRefs(r, mb, 'successors') };
      break;
    }
    case T.Notify:
      m = { t, rid, self: readRef(r, mb) };
      break;
    case T.Hint:
      m = { t, rid, self: readRef(r, mb) };
      break;
    case T.Ping:
    case T.Pong:
      m = { t, rid };
      break;
    case T.Get: {
      const key = r.bytesPrefixed16(limits.key_bytes_max, 'key');
      if (key.byteLength === 0) throw new DecodeError('invalid', 'key', 'empty');
      // Padded to hold an empty answer (absent, deleted, too-large + its size).
      if (data.byteLength < GET_REPLY_EMPTY_BYTES) throw new DecodeError('invalid', 'pad', `${data.byteLength} bytes`);
      r.rest();
      return { identity, rid, message: { t, rid, key, pad: data.byteLength } };
    }
    case T.GetReply: {
      const status = GET_STATUS[r.u8('status')];
      if (status === undefined) throw new DecodeError('invalid', 'status');
      const version = r.u32('version');
      const size = r.u32('size');
      if (size > limits.value_bytes_max) throw new DecodeError('oversize', 'size', String(size));
      m = { t, rid, status, version, size, value: r.bytesPrefixed16(limits.value_bytes_max, 'value') };
      break;
    }
    case T.Put:
      m = { t, rid, item: readItem(r, limits) };
      break;
    case T.PutReply: {
      const status = PUT_STATUS[r.u8('status')];
      if (status === undefined) throw new DecodeError('invalid', 'status');
      m = { t, rid, status, version: r.u32('version') };
      break;
    }
    case T.Replicate: {
      const count = r.u8('items.count');
      if (count > WIRE_ITEMS_MAX) throw new DecodeError('oversize', 'items', String(count));
      const items: Item[] = [];
      for (let i = 0; i < count; i++) items.push(readItem(r, limits));
      m = { t, rid, items };
      break;
    }
    case T.Leave: {
      const self = readRef(r, mb);
      const has = r.u8('has_pred');
      if (has > 1) throw new DecodeError('invalid', 'has_pred');
      const pred = has === 1 ? readRef(r, mb) : undefined;
      m = { t, rid, self, pred, successors: readRefs(r, mb, 'successors') };
      break;
    }
    default:
      throw new DecodeError('invalid', 'type', String(t));
  }
  r.end();
  // (Ids carried in refs were checked to lie on the ring by readRef.)
  return { identity, rid, message: m };
}

export function validMBits(m_bits: number): boolean {
  return Number.isInteger(m_bits) && m_bits >= m_bits_min && m_bits <= m_bits_max;
}
