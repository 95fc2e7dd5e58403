// The rendezvous / punch / relay wire format, first bytes 0xD0-0xDF (protocol/core/demux.ts).
// Every message is one datagram: a type byte then big-endian fields; strings and lists carry
// bounded length prefixes. Decoders raise DecodeError; encoders refuse out-of-range values.
//   D0 register   nonce u32, cookie[16], id s8, token[16], rtt_ms u16, nat[4],
//                 candidates                                                    peer -> server
//   D1 registered nonce u32, observed addr, ttl_ms u32                          server -> peer
//   D2 connect    nonce u32, id s8, token[16], target s8, mode u8 (dial|accept),
//                 padding                                                       peer -> server
//   D3 punch      nonce u32, session u32, key[8], peer s8, role u8, delay_ms u32,
//                 peer_observed addr, nat[4], candidates                        server -> both
//   D4 error      nonce u32, code u8                                            server -> peer
//   D5 probe      session u32, key[8], tx u32, flags u8 (nominate, keepalive, sync,
//                 controlling)                                                  peer <-> peer
//   D6 probe-ack  session u32, key[8], tx u32, observed addr                    peer <-> peer
//   D7 relay      session u32, payload (<= 1400 bytes)                          peer <-> server <-> peer
//   D8 lookup     nonce u32, id s8, token[16], target s8, padding               peer -> server
//   D9 peer       nonce u32, peer s8, observed addr, nat[4], candidates         server -> peer
//   DA cookie     nonce u32, cookie[16]                                         server -> peer
//   DB relay-limit session u32, key[8], reason u8 (budget|duration)            server -> both
//   DC repunch    session u32, key[8], candidate addr   peer -> relay -> peer (only inside D7)
// A register is stored only when it echoes the stateless cookie the server last gave that
// address (cookie.ts): return routability before state. Connect and lookup carry padding so the
// server's answers (two punches, or one peer record) never outweigh the request (amplification).
// addr = family u8 (4|6), ip[4|16], port u16; s8 = u8 length + UTF-8 (1..64 bytes);
// nat = mapping|filtering<<2|open<<7 u8, allocation u8, delta i16; candidates = u8 count
// (<= 8) of { kind u8 (host, reflexive, predicted, relay), addr }.
import { ipFromBytes, ipToBytes, type Addr } from '../core/addr.ts';
import { fromUtf8Strict, utf8 } from '../core/bytes.ts';
import { DecodeError } from '../core/decode-error.ts';
import { Reader } from '../core/reader.ts';
import { Writer } from '../core/writer.ts';
import type { FilteringBehaviour, MappingBehaviour, NatReport, PortAllocation } from './nat-report.ts';

export const MSG = {
  register: 0xd0,
  registered: 0xd1,
  connect: 0xd2,
  punch: 0xd3,
  error: 0xd4,
  probe: 0xd5,
  probeAck: 0xd6,
  relay: 0xd7,
  lookup: 0xd8,
  peer: 0xd9,
  cookie: 0xda,
  relayLimit: 0xdb,
  repunch: 0xdc,
} as const;

export const ID_BYTES_MAX = 64;
export const TOKEN_BYTES = 16;
export const SESSION_KEY_BYTES = 8;
export const COOKIE_BYTES = 16;
/** The all-zero cookie: "I have none yet". */
export const NO_COOKIE = new Uint8Array(COOKIE_BYTES);
export const CANDIDATES_MAX = 8;
/** Rendezvous datagrams stay under the 576-byte IPv4 floor; relay frames may be larger. */
export const CONTROL_BYTES_MAX = 548;
export const RELAY_PAYLOAD_BYTES_MAX = 1400;

export type CandidateKind = 'host' | 'reflexive' | 'predicted' | 'relay';
const CANDIDATE_KINDS: readonly CandidateKind[] = ['host', 'reflexive', 'predicted', 'relay'];
const MAPPINGS: readonly MappingBehaviour[] = ['unknown', 'endpoint-independent', 'address-dependent', 'address-and-port-dependent'];
const ALLOCATIONS: readonly PortAllocation[] = ['unknown', 'preserve', 'sequential', 'random'];

export interface Candidate {
  readonly kind: CandidateKind;
  readonly addr: Addr;
}

export const ERROR_CODE = {
  notFound: 1,
  pending: 2,
  unauthorized: 3,
  conflict: 4,
  tableFull: 5,
  rateLimited: 6,
  badRequest: 7,
  /** The request was smaller than the answer would be: pad it (anti-amplification). */
  tooSmall: 8,
} as const;

/** Why the server ended a relay circuit (sent to both peers as `relay-limit`). */
export const RELAY_LIMIT_REASON = { budget: 1, duration: 2 } as const;
export type RelayLimitReason = keyof typeof RELAY_LIMIT_REASON;
const RELAY_LIMIT_REASONS: readonly RelayLimitReason[] = ['budget', 'duration'];

/** Connect modes: `dial` asks for a punch now; `accept` only consents to be punched with `target`. */
export type ConnectMode = 'dial' | 'accept';
export type ErrorCode = (typeof ERROR_CODE)[keyof typeof ERROR_CODE];

export type RendezvousMessage =
  | { readonly type: 'register'; readonly nonce: number; readonly cookie: Uint8Array; readonly id: string; readonly token: Uint8Array; readonly rtt_ms: number; readonly nat: NatReport; readonly candidates: readonly Candidate[] }
  | { readonly type: 'registered'; readonly nonce: number; readonly observed: Addr; readonly ttl_ms: number }
  /** `pad_to`: encode with zero padding up to this many bytes (never decoded back). */
  | { readonly type: 'connect'; readonly nonce: number; readonly id: string; readonly token: Uint8Array; readonly target: string; readonly mode: ConnectMode; readonly pad_to?: number }
  | {
      readonly type: 'punch'; readonly nonce: number; readonly session: number; readonly key: Uint8Array; readonly peer: string;
      readonly controlling: boolean; readonly delay_ms: number; readonly peer_observed: Addr; readonly nat: NatReport; readonly candidates: readonly Candidate[];
    }
  | { readonly type: 'error'; readonly nonce: number; readonly code: number }
  | { readonly type: 'probe'; readonly session: number; readonly key: Uint8Array; readonly tx: number; readonly flags: number }
  | { readonly type: 'probe-ack'; readonly session: number; readonly key: Uint8Array; readonly tx: number; readonly observed: Addr }
  | { readonly type: 'relay'; readonly session: number; readonly payload: Uint8Array }
  /** Ask for a registered peer's candidates without starting a punch (the swap server's "Ask"). */
  | { readonly type: 'lookup'; readonly nonce: number; readonly id: string; readonly token: Uint8Array; readonly target: string; readonly pad_to?: number }
  | { readonly type: 'peer'; readonly nonce: number; readonly peer: string; readonly observed: Addr; readonly nat: NatReport; readonly candidates: readonly Candidate[] }
  | { readonly type: 'cookie'; readonly nonce: number; readonly cookie: Uint8Array }
  | { readonly type: 'relay-limit'; readonly session: number; readonly key: Uint8Array; readonly reason: RelayLimitReason }
  /**
   * Conntrack clash recovery (repunch.ts): "I now punch from this fresh address and my probes
   * to you have already left; probe it". Valid only inside a relay frame of the session.
   */
  | { readonly type: 'repunch'; readonly session: number; readonly key: Uint8Array; readonly candidate: Addr };

/** Probe flags. */
export const PROBE_NOMINATE = 0x01;
export const PROBE_KEEPALIVE = 0x02;
/** Sent through the relay: "I have started this punch" (not acknowledged). */
export const PROBE_SYNC = 0x04;
/**
 * Set by the controlling side of the punch on every probe it sends (ICE's ICE-CONTROLLING).
 * Exactly one side of a session controls, so a probe that carries our own role is our own,
 * looped back (overlapping LANs with equal addresses, a hairpin that rewrote its source):
 * answering it would make us our own path.
 */
export const PROBE_CONTROLLING = 0x08;

/** Addr.ip is canonical, so IPv4 text is four decimal octets: parse it without regexes (hot path). */
function writeAddr(w: Writer, a: Addr): void {
  if (a.family === 4) {
    w.u8(4);
    let octet = 0;
    for (let i = 0; i < a.ip.length; i++) {
      const c = a.ip.charCodeAt(i);
      if (c === 0x2e) {
        w.u8(octet);
        octet = 0;
      } else octet = octet * 10 + (c - 0x30);
    }
    w.u8(octet).u16(a.port);
    return;
  }
  w.u8(6).bytes(ipToBytes(a.ip)).u16(a.port);
}

function readAddr(r: Reader, field: string): Addr {
  // Field names are constants on the hot path (no string building per read); errors name `field`.
  const family = r.u8(field);
  if (family !== 4 && family !== 6) throw new DecodeError('invalid', field, `family ${family}`);
  const raw = r.bytesView(family === 4 ? 4 : 16, field);
  const ip = family === 4 ? `${raw[0]}.${raw[1]}.${raw[2]}.${raw[3]}` : ipFromBytes(raw);
  return { family, ip, port: r.u16(field) };
}

/** The UTF-8 length of an id (ids travel as 1..ID_BYTES_MAX bytes). */
export function idByteLength(id: string): number {
  let ascii = true;
  for (let i = 0; ascii && i < id.length; i++) if (id.charCodeAt(i) > 0x7f) ascii = false;
  return ascii ? id.length : utf8(id).byteLength;
}

/** Why an id cannot travel, or undefined when it can. */
export function idProblem(id: string): 'empty' | 'too-long' | undefined {
  const n = idByteLength(id);
  return n === 0 ? 'empty' : n > ID_BYTES_MAX ? 'too-long' : undefined;
}

/** A u8-length-prefixed id; ASCII ids (the common case) skip the text encoder. */
function writeId(w: Writer, id: string): void {
  const problem = idProblem(id);
  if (problem) throw new RangeError(`id ${problem} (1..${ID_BYTES_MAX} bytes)`);
  let ascii = true;
  for (let i = 0; ascii && i < id.length; i++) if (id.charCodeAt(i) > 0x7f) ascii = false;
  if (!ascii) {
    const bytes = utf8(id);
    w.u8(bytes.byteLength).bytes(bytes);
    return;
  }
  w.u8(id.length);
  for (let i = 0; i < id.length; i++) w.u8(id.charCodeAt(i));
}

function writeNat(w: Writer, nat: NatReport): void {
  const filtering = MAPPINGS.indexOf(nat.filtering);
  w.u8(MAPPINGS.indexOf(nat.mapping) | (filtering << 2) | (nat.open ? 0x80 : 0)).u8(ALLOCATIONS.indexOf(nat.allocation));
  w.u16(nat.delta & 0xffff);
}

function readNat(r: Reader): NatReport {
  const bits = r.u8('nat.bits');
  const allocation = ALLOCATIONS[r.u8('nat.allocation')];
  if (!allocation || bits & 0x70) throw new DecodeError('invalid', 'nat');
  const delta = r.u16('nat.delta');
  return {
    mapping: MAPPINGS[bits & 3]!,
    filtering: MAPPINGS[(bits >> 2) & 3]! as FilteringBehaviour,
    allocation,
    delta: delta >= 0x8000 ? delta - 0x10000 : delta,
    open: (bits & 0x80) !== 0,
  };
}

function writeCandidates(w: Writer, candidates: readonly Candidate[]): void {
  if (candidates.length > CANDIDATES_MAX) throw new RangeError(`more than ${CANDIDATES_MAX} candidates`);
  w.u8(candidates.length);
  for (const c of candidates) {
    w.u8(CANDIDATE_KINDS.indexOf(c.kind));
    writeAddr(w, c.addr);
  }
}

function readCandidates(r: Reader): Candidate[] {
  const count = r.u8('candidates.count');
  if (count > CANDIDATES_MAX) throw new DecodeError('oversize', 'candidates', `${count}`);
  const out: Candidate[] = [];
  for (let i = 0; i < count; i++) {
    const kind = CANDIDATE_KINDS[r.u8('candidate.kind')];
    if (!kind) throw new DecodeError('invalid', 'candidate.kind');
    out.push({ kind, addr: readAddr(r, 'candidate.addr') });
  }
  return out;
}

function readId(r: Reader, field: string): string {
  const length = r.u8(field);
  if (length === 0) throw new DecodeError('invalid', field, 'empty');
  if (length > ID_BYTES_MAX) throw new DecodeError('oversize', field, `${length} > ${ID_BYTES_MAX}`);
  const raw = r.bytesView(length, field);
  let ascii = true;
  for (let i = 0; ascii && i < raw.byteLength; i++) if (raw[i]! > 0x7f) ascii = false;
  if (ascii) {
    let id = '';
    for (let i = 0; i < raw.byteLength; i++) id += String.fromCharCode(raw[i]!);
    return id;
  }
  const text = fromUtf8Strict(raw);
  if (text === undefined) throw new DecodeError('invalid', field, 'not UTF-8');
  return text;
}

const CONTROL_WRITER = new Writer(CONTROL_BYTES_MAX, CONTROL_BYTES_MAX);

/** Zero padding up to `pad_to` bytes in all (capped at the control limit). */
function pad(w: Writer, pad_to: number | undefined): void {
  if (pad_to === undefined) return;
  const target = Math.min(CONTROL_BYTES_MAX, pad_to);
  while (w.length < target) w.u8(0);
}

export function encodeRendezvous(m: RendezvousMessage): Uint8Array {
  // Control messages reuse one writer (encoding is synchronous; finish() copies the bytes out).
  const w = m.type === 'relay' ? new Writer(RELAY_PAYLOAD_BYTES_MAX + 5, m.payload.byteLength + 5) : CONTROL_WRITER.reset();
  switch (m.type) {
    case 'register':
      if (m.token.byteLength !== TOKEN_BYTES) throw new RangeError('token size');
      if (m.cookie.byteLength !== COOKIE_BYTES) throw new RangeError('cookie size');
      w.u8(MSG.register).u32(m.nonce).bytes(m.cookie);
      writeId(w, m.id);
      w.bytes(m.token).u16(Math.min(0xffff, Math.round(m.rtt_ms)));
      writeNat(w, m.nat);
      writeCandidates(w, m.candidates);
      break;
    case 'registered':
      w.u8(MSG.registered).u32(m.nonce);
      writeAddr(w, m.observed);
      w.u32(m.ttl_ms);
      break;
    case 'connect':
      if (m.token.byteLength !== TOKEN_BYTES) throw new RangeError('token size');
      w.u8(MSG.connect).u32(m.nonce);
      writeId(w, m.id);
      w.bytes(m.token);
      writeId(w, m.target);
      w.u8(m.mode === 'accept' ? 1 : 0);
      pad(w, m.pad_to);
      break;
    case 'punch':
      w.u8(MSG.punch).u32(m.nonce).u32(m.session).bytes(m.key);
      writeId(w, m.peer);
      w.u8(m.controlling ? 1 : 0).u32(Math.round(m.delay_ms));
      writeAddr(w, m.peer_observed);
      writeNat(w, m.nat);
      writeCandidates(w, m.candidates);
      break;
    case 'error':
      w.u8(MSG.error).u32(m.nonce).u8(m.code);
      break;
    case 'probe':
      w.u8(MSG.probe).u32(m.session).bytes(m.key).u32(m.tx).u8(m.flags);
      break;
    case 'probe-ack':
      w.u8(MSG.probeAck).u32(m.session).bytes(m.key).u32(m.tx);
      writeAddr(w, m.observed);
      break;
    case 'relay':
      if (m.payload.byteLength > RELAY_PAYLOAD_BYTES_MAX) throw new RangeError('relay payload too large');
      w.u8(MSG.relay).u32(m.session).bytes(m.payload);
      break;
    case 'lookup':
      if (m.token.byteLength !== TOKEN_BYTES) throw new RangeError('token size');
      w.u8(MSG.lookup).u32(m.nonce);
      writeId(w, m.id);
      w.bytes(m.token);
      writeId(w, m.target);
      pad(w, m.pad_to);
      break;
    case 'peer':
      w.u8(MSG.peer).u32(m.nonce);
      writeId(w, m.peer);
      writeAddr(w, m.observed);
      writeNat(w, m.nat);
      writeCandidates(w, m.candidates);
      break;
    case 'cookie':
      if (m.cookie.byteLength !== COOKIE_BYTES) throw new RangeError('cookie size');
      w.u8(MSG.cookie).u32(m.nonce).bytes(m.cookie);
      break;
    case 'relay-limit':
      w.u8(MSG.relayLimit).u32(m.session).bytes(m.key).u8(RELAY_LIMIT_REASONS.indexOf(m.reason) + 1);
      break;
    case 'repunch':
      w.u8(MSG.repunch).u32(m.session).bytes(m.key);
      writeAddr(w, m.candidate);
      break;
  }
  return w.finish();
}

/** Decodes one datagram whose first byte is in 0xD0-0xDF; raises DecodeError otherwise. */
export function decodeRendezvous(data: Uint8Array): RendezvousMessage {
  if (data.byteLength > RELAY_PAYLOAD_BYTES_MAX + 5) throw new DecodeError('oversize', 'rendezvous', `${data.byteLength}`);
  const r = new Reader(data);
  const type = r.u8('type');
  if (type !== MSG.relay && data.byteLength > CONTROL_BYTES_MAX) throw new DecodeError('oversize', 'rendezvous', `${data.byteLength}`);
  let m: RendezvousMessage;
  switch (type) {
    case MSG.register: {
      const nonce = r.u32('nonce');
      const cookie = r.bytesCopy(COOKIE_BYTES, 'cookie');
      const id = readId(r, 'id');
      const token = r.bytesCopy(TOKEN_BYTES, 'token');
      const rtt_ms = r.u16('rtt_ms');
      const nat = readNat(r);
      m = { type: 'register', nonce, cookie, id, token, rtt_ms, nat, candidates: readCandidates(r) };
      break;
    }
    case MSG.registered:
      m = { type: 'registered', nonce: r.u32('nonce'), observed: readAddr(r, 'observed'), ttl_ms: r.u32('ttl_ms') };
      break;
    case MSG.connect: {
      const nonce = r.u32('nonce');
      const id = readId(r, 'id');
      const token = r.bytesCopy(TOKEN_BYTES, 'token');
      const target = readId(r, 'target');
      const mode = r.u8('mode');
      if (mode > 1) throw new DecodeError('invalid', 'mode');
      r.rest(); // padding
      m = { type: 'connect', nonce, id, token, target, mode: mode === 1 ? 'accept' : 'dial' };
      break;
    }
    case MSG.punch: {
      const nonce = r.u32('nonce');
      const session = r.u32('session');
      const key = r.bytesCopy(SESSION_KEY_BYTES, 'key');
      const peer = readId(r, 'peer');
      const role = r.u8('role');
      if (role > 1) throw new DecodeError('invalid', 'role');
      const delay_ms = r.u32('delay_ms');
      const peer_observed = readAddr(r, 'peer_observed');
      const nat = readNat(r);
      m = { type: 'punch', nonce, session, key, peer, controlling: role === 1, delay_ms, peer_observed, nat, candidates: readCandidates(r) };
      break;
    }
    case MSG.error:
      m = { type: 'error', nonce: r.u32('nonce'), code: r.u8('code') };
      break;
    case MSG.probe:
      m = { type: 'probe', session: r.u32('session'), key: r.bytesCopy(SESSION_KEY_BYTES, 'key'), tx: r.u32('tx'), flags: r.u8('flags') };
      break;
    case MSG.probeAck:
      m = { type: 'probe-ack', session: r.u32('session'), key: r.bytesCopy(SESSION_KEY_BYTES, 'key'), tx: r.u32('tx'), observed: readAddr(r, 'observed') };
      break;
    case MSG.relay:
      m = { type: 'relay', session: r.u32('session'), payload: r.rest().slice() };
      break;
    case MSG.lookup:
      m = { type: 'lookup', nonce: r.u32('nonce'), id: readId(r, 'id'), token: r.bytesCopy(TOKEN_BYTES, 'token'), target: readId(r, 'target') };
      r.rest(); // padding
      break;
    case MSG.cookie:
      m = { type: 'cookie', nonce: r.u32('nonce'), cookie: r.bytesCopy(COOKIE_BYTES, 'cookie') };
      break;
    case MSG.relayLimit: {
      const session = r.u32('session');
      const key = r.bytesCopy(SESSION_KEY_BYTES, 'key');
      const reason = RELAY_LIMIT_REASONS[r.u8('reason') - 1];
      if (!reason) throw new DecodeError('invalid', 'reason');
      m = { type: 'relay-limit', session, key, reason };
      break;
    }
    case MSG.repunch:
      m = { type: 'repunch', session: r.u32('session'), key: r.bytesCopy(SESSION_KEY_BYTES, 'key'), candidate: readAddr(r, 'candidate') };
      break;
    case MSG.peer: {
      const nonce = r.u32('nonce');
      const peer = readId(r, 'peer');
      const observed = readAddr(r, 'observed');
      m = { type: 'peer', nonce, peer, observed, nat: readNat(r), candidates: readCandidates(r) };
      break;
    }
    default:
      throw new DecodeError('invalid', 'type', `0x${type.toString(16)}`);
  }
  r.end('message');
  return m;
}
