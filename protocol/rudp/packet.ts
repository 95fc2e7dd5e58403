// Datagram layouts of the secure transport. First bytes come from protocol/core/demux.ts
// (0xC0-0xCF). Handshake messages carry Noise XX; data packets carry an explicit 64-bit
// counter that is both the AEAD nonce and the packet number (RFC 9000-style, never reused).
import { DecodeError } from '../core/decode-error.ts';
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

function u32(data: Uint8Array, at: number): number {
  return ((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>> 0;
}

export function putU32(buf: Uint8Array, at: number, value: number): void {
  buf[at] = value >>> 24;
  buf[at + 1] = (value >>> 16) & 0xff;
  buf[at + 2] = (value >>> 8) & 0xff;
  buf[at + 3] = value & 0xff;
}

function need(data: Uint8Array, bytes: number, field: string): void {
  if (data.byteLength < bytes) throw new DecodeError('truncated', field, `${data.byteLength} < ${bytes}`);
}

export function decodePacket(data: Uint8Array): Packet {
  need(data, 1, 'rudp.type');
  const type = data[0]!;
  switch (type) {
    case PACKET.initiation: {
      const size = 1 + ID_BYTES + NOISE_MSG1_BYTES + 2 * MAC_BYTES;
      need(data, size, 'initiation');
      if (data.byteLength !== size) throw new DecodeError('trailing', 'initiation');
      const macAt = 1 + ID_BYTES + NOISE_MSG1_BYTES;
      return {
        kind: 'initiation',
        sender: u32(data, 1),
        noise: data.subarray(1 + ID_BYTES, macAt),
        mac1: data.subarray(macAt, macAt + MAC_BYTES),
        mac2: data.subarray(macAt + MAC_BYTES, macAt + 2 * MAC_BYTES),
        macd1: data.subarray(0, macAt),
        macd2: data.subarray(0, macAt + MAC_BYTES),
      };
    }
    case PACKET.response:
      need(data, 1 + 2 * ID_BYTES + 32, 'response');
      if (data.byteLength > HANDSHAKE_BYTES_MAX) throw new DecodeError('oversize', 'response');
      return { kind: 'response', sender: u32(data, 1), receiver: u32(data, 5), noise: data.subarray(9) };
    case PACKET.final:
      need(data, 1 + ID_BYTES + 48, 'final');
      if (data.byteLength > HANDSHAKE_BYTES_MAX) throw new DecodeError('oversize', 'final');
      return { kind: 'final', receiver: u32(data, 1), noise: data.subarray(5) };
    case PACKET.cookie:
      need(data, COOKIE_REPLY_BYTES, 'cookie');
      if (data.byteLength !== COOKIE_REPLY_BYTES) throw new DecodeError('trailing', 'cookie');
      return {
        kind: 'cookie',
        receiver: u32(data, 1),
        nonce: data.subarray(5, 5 + COOKIE_NONCE_BYTES),
        sealed: data.subarray(5 + COOKIE_NONCE_BYTES),
      };
    case PACKET.data0:
    case PACKET.data1: {
      need(data, DATA_HEADER_BYTES + 16, 'data');
      const high = u32(data, 5);
      if (high >= 0x20_0000) throw new DecodeError('invalid', 'data.counter', 'beyond 2^53');
      return {
        kind: 'data',
        receiver: u32(data, 1),
        phase: type === PACKET.data1 ? 1 : 0,
        counter: high * 0x1_0000_0000 + u32(data, 9),
        header: data.subarray(0, DATA_HEADER_BYTES),
        ciphertext: data.subarray(DATA_HEADER_BYTES),
      };
    }
    default:
      throw new DecodeError('invalid', 'rudp.type', `0x${type.toString(16)}`);
  }
}

export function encodeInitiation(sender: number, noise: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + ID_BYTES + NOISE_MSG1_BYTES + 2 * MAC_BYTES);
  out[0] = PACKET.initiation;
  putU32(out, 1, sender);
  out.set(noise, 1 + ID_BYTES);
  return out; // macs are filled in by the caller
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
