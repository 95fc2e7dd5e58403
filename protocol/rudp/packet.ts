// Datagram layouts of the secure transport. First bytes come from protocol/core/demux.ts
// (0xC0-0xCF). Handshake messages carry Noise XX; data packets carry an explicit 64-bit
// counter that is both the AEAD nonce and the packet number (RFC 9000-style, never reused).
import { DecodeError } from '../core/decode-error.ts';
import { Reader } from '../core/reader.ts';
import { FIRST_BYTE } from '../core/demux.ts';

export const PACKET = {
  initiation: FIRST_BYTE.rudpMin, // 0xC0: -> e
  response: FIRST_BYTE.rudpMin + 1, // 0xC1: <- e, ee, s, es
  final: FIRST_BYTE.rudpMin + 2, // 0xC2: -> s, se
  cookie: FIRST_BYTE.rudpMin + 3, // 0xC3: cookie reply under load
  data0: FIRST_BYTE.rudpMin + 4, // 0xC4: data, key phase 0
  data1: FIRST_BYTE.rudpMin + 5, // 0xC5: data, key phase 1
} as const;

export const MAC_BYTES = 16;
export const ID_BYTES = 4;
export const DATA_HEADER_BYTES = 1 + ID_BYTES + 8;
export const NOISE_MSG1_BYTES = 32;
/** Noise XX msg2 with our 16-byte transport parameters: e + enc(s) + enc(params). */
export const HANDSHAKE_BYTES_MAX = 512;
export const COOKIE_NONCE_BYTES = 12;
export const COOKIE_REPLY_BYTES = 1 + ID_BYTES + COOKIE_NONCE_BYTES + MAC_BYTES + 16;
/** The response (msg2 with our 6-byte transport parameters): type, ids, e, enc(s), enc(params). */
export const RESPONSE_BYTES = 1 + 2 * ID_BYTES + 32 + (32 + 16) + (6 + 16);
/**
 * The initiation is zero-padded to this size (WireGuard pads its initiation past its response,
 * QUIC its Initial to 1200) so that the answer to it is never larger than it: a spoofed
 * initiation cannot turn the responder into an amplifier.
 */
export const INITIATION_BYTES = 128;
const INITIATION_PAD_AT = 1 + ID_BYTES + NOISE_MSG1_BYTES;
const INITIATION_MAC_AT = INITIATION_BYTES - 2 * MAC_BYTES;
if (RESPONSE_BYTES > INITIATION_BYTES || COOKIE_REPLY_BYTES > INITIATION_BYTES) throw new Error('invariant: a handshake answer outgrew the initiation');

export interface Initiation {
  readonly kind: 'initiation';
  readonly sender: number;
  readonly noise: Uint8Array;
  readonly mac1: Uint8Array;
  readonly mac2: Uint8Array;
  /** Bytes covered by mac1 and mac2 respectively. */
  readonly macd1: Uint8Array;
  readonly macd2: Uint8Array;
}
export interface Response {
  readonly kind: 'response';
  readonly sender: number;
  readonly receiver: number;
  readonly noise: Uint8Array;
}
export interface Final {
  readonly kind: 'final';
  readonly receiver: number;
  readonly noise: Uint8Array;
}
export interface CookieReply {
  readonly kind: 'cookie';
  readonly receiver: number;
  readonly nonce: Uint8Array;
  readonly sealed: Uint8Array;
}
export interface DataPacket {
  readonly kind: 'data';
  readonly receiver: number;
  readonly phase: 0 | 1;
  readonly counter: number;
  readonly header: Uint8Array;
  readonly ciphertext: Uint8Array;
}
export type Packet = Initiation | Response | Final | CookieReply | DataPacket;

export function putU32(buf: Uint8Array, at: number, value: number): void {
  buf[at] = value >>> 24;
  buf[at + 1] = (value >>> 16) & 0xff;
  buf[at + 2] = (value >>> 8) & 0xff;
  buf[at + 3] = value & 0xff;
}

/** Refuses a datagram shorter than a layout's fixed part before any field is read. */
function need(data: Uint8Array, bytes: number, field: string): void {
  if (data.byteLength < bytes) throw new DecodeError('truncated', field, `${data.byteLength} < ${bytes}`);
}

/** Decodes one datagram through protocol/core's Reader: bounds-checked, typed DecodeErrors. */
export function decodePacket(data: Uint8Array): Packet {
  const r = new Reader(data);
  const type = r.u8('rudp.type');
  switch (type) {
    case PACKET.initiation: {
      const macAt = INITIATION_MAC_AT;
      need(data, INITIATION_BYTES, 'initiation');
      const sender = r.u32('initiation.sender');
      const noise = r.bytesView(NOISE_MSG1_BYTES, 'initiation.e');
      const padding = r.bytesView(INITIATION_MAC_AT - INITIATION_PAD_AT, 'initiation.padding');
      for (let i = 0; i < padding.byteLength; i++) if (padding[i] !== 0) throw new DecodeError('invalid', 'initiation.padding');
      const mac1 = r.bytesView(MAC_BYTES, 'initiation.mac1');
      const mac2 = r.bytesView(MAC_BYTES, 'initiation.mac2');
      if (r.remaining !== 0) throw new DecodeError('trailing', 'initiation');
      return { kind: 'initiation', sender, noise, mac1, mac2, macd1: data.subarray(0, macAt), macd2: data.subarray(0, macAt + MAC_BYTES) };
    }
    case PACKET.response: {
      need(data, 1 + 2 * ID_BYTES + 32, 'response');
      if (data.byteLength > HANDSHAKE_BYTES_MAX) throw new DecodeError('oversize', 'response');
      const sender = r.u32('response.sender');
      const receiver = r.u32('response.receiver');
      return { kind: 'response', sender, receiver, noise: r.rest() };
    }
    case PACKET.final: {
      need(data, 1 + ID_BYTES + 48, 'final');
      if (data.byteLength > HANDSHAKE_BYTES_MAX) throw new DecodeError('oversize', 'final');
      const receiver = r.u32('final.receiver');
      return { kind: 'final', receiver, noise: r.rest() };
    }
    case PACKET.cookie: {
      need(data, COOKIE_REPLY_BYTES, 'cookie');
      if (data.byteLength !== COOKIE_REPLY_BYTES) throw new DecodeError('trailing', 'cookie');
      const receiver = r.u32('cookie.receiver');
      const nonce = r.bytesView(COOKIE_NONCE_BYTES, 'cookie.nonce');
      return { kind: 'cookie', receiver, nonce, sealed: r.rest() };
    }
    case PACKET.data0:
    case PACKET.data1: {
      need(data, DATA_HEADER_BYTES + 16, 'data');
      const receiver = r.u32('data.receiver');
      const high = r.u32('data.counter');
      if (high >= 0x20_0000) throw new DecodeError('invalid', 'data.counter', 'beyond 2^53');
      const counter = high * 0x1_0000_0000 + r.u32('data.counter');
      return {
        kind: 'data',
        receiver,
        phase: type === PACKET.data1 ? 1 : 0,
        counter,
        header: data.subarray(0, DATA_HEADER_BYTES),
        ciphertext: r.rest(),
      };
    }
    default:
      throw new DecodeError('invalid', 'rudp.type', `0x${type.toString(16)}`);
  }
}

export function encodeInitiation(sender: number, noise: Uint8Array): Uint8Array {
  const out = new Uint8Array(INITIATION_BYTES);
  out[0] = PACKET.initiation;
  putU32(out, 1, sender);
  out.set(noise.subarray(0, NOISE_MSG1_BYTES), 1 + ID_BYTES);
  return out; // zero padding up to the macs; the macs are filled in by the caller
}

export function encodeResponse(sender: number, receiver: number, noise: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + 2 * ID_BYTES + noise.byteLength);
  out[0] = PACKET.response;
  putU32(out, 1, sender);
  putU32(out, 5, receiver);
  out.set(noise, 9);
  return out;
}

export function encodeFinal(receiver: number, noise: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + ID_BYTES + noise.byteLength);
  out[0] = PACKET.final;
  putU32(out, 1, receiver);
  out.set(noise, 5);
  return out;
}

export function encodeCookieReply(receiver: number, nonce: Uint8Array, sealed: Uint8Array): Uint8Array {
  const out = new Uint8Array(COOKIE_REPLY_BYTES);
  out[0] = PACKET.cookie;
  putU32(out, 1, receiver);
  out.set(nonce, 5);
  out.set(sealed, 5 + COOKIE_NONCE_BYTES);
  return out;
}

/** Writes a data header into `out` (13 bytes). */
export function writeDataHeader(out: Uint8Array, receiver: number, phase: 0 | 1, counter: number): void {
  out[0] = phase === 1 ? PACKET.data1 : PACKET.data0;
  putU32(out, 1, receiver);
  putU32(out, 5, Math.floor(counter / 0x1_0000_0000));
  putU32(out, 9, counter >>> 0);
}
