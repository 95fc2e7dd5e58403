// Value codecs for the STUN attributes peerlab reads and writes: (XOR-)MAPPED-ADDRESS and the
// RFC 5780 address attributes (same layout), ERROR-CODE, CHANGE-REQUEST and SOFTWARE.
import { ipFromBytes, ipToBytes, type Addr } from '../core/addr.ts';
import { fromUtf8Strict, utf8 } from '../core/bytes.ts';
import { DecodeError } from '../core/decode-error.ts';
import { Reader } from '../core/reader.ts';
import { Writer } from '../core/writer.ts';
import { CHANGE_IP_FLAG, CHANGE_PORT_FLAG, STUN_ATTR, STUN_TEXT_BYTES_MAX, type StunAttribute } from './stun-types.ts';

const FAMILY_IPV4 = 0x01;
const FAMILY_IPV6 = 0x02;
const COOKIE_BYTES = new Uint8Array([0x21, 0x12, 0xa4, 0x42]);

/** Encodes the plain address layout: 0, family, port, address bytes. */
export function encodeAddressValue(address: Addr): Uint8Array {
  const ip = ipToBytes(address.ip);
  return new Writer(20).u8(0).u8(ip.byteLength === 4 ? FAMILY_IPV4 : FAMILY_IPV6).u16(address.port).bytes(ip).finish();
}

export function decodeAddressValue(value: Uint8Array, field = 'stun.address'): Addr {
  const r = new Reader(value);
  r.u8(`${field}.reserved`);
  const family = r.u8(`${field}.family`);
  const port = r.u16(`${field}.port`);
  let ipBytes: Uint8Array;
  if (family === FAMILY_IPV4) ipBytes = r.bytesView(4, `${field}.ip`);
  else if (family === FAMILY_IPV6) ipBytes = r.bytesView(16, `${field}.ip`);
  else throw new DecodeError('invalid', `${field}.family`, String(family));
  r.end(field);
  const ip = ipFromBytes(ipBytes);
  return { family: family === FAMILY_IPV4 ? 4 : 6, ip, port };
}

/** XOR with the cookie (IPv4) or cookie || transaction id (IPv6), port with the cookie's top half. */
function xorValue(value: Uint8Array, transactionId: Uint8Array): Uint8Array {
  const out = value.slice();
  if (out.byteLength < 4) return out;
  out[2] = out[2]! ^ 0x21;
  out[3] = out[3]! ^ 0x12;
  const mask = new Uint8Array(16);
  mask.set(COOKIE_BYTES, 0);
  mask.set(transactionId.subarray(0, 12), 4);
  for (let i = 4; i < out.byteLength && i - 4 < 16; i++) out[i] = out[i]! ^ mask[i - 4]!;
  return out;
}

export function encodeXorAddressValue(address: Addr, transactionId: Uint8Array): Uint8Array {
  return xorValue(encodeAddressValue(address), transactionId);
}

export function decodeXorAddressValue(value: Uint8Array, transactionId: Uint8Array): Addr {
  return decodeAddressValue(xorValue(value, transactionId), 'stun.xor-address');
}

export function addressAttribute(type: number, address: Addr): StunAttribute {
  return { type, value: encodeAddressValue(address) };
}

export function xorMappedAttribute(address: Addr, transactionId: Uint8Array): StunAttribute {
  return { type: STUN_ATTR.xorMappedAddress, value: encodeXorAddressValue(address, transactionId) };
}

export interface StunErrorCode {
  readonly code: number;
  readonly reason: string;
}

export function errorCodeAttribute(code: number, reason: string): StunAttribute {
  if (code < 300 || code > 699) throw new RangeError(`STUN error code ${code}`);
  const text = utf8(reason).subarray(0, STUN_TEXT_BYTES_MAX);
  const value = new Writer(4 + text.byteLength).u16(0).u8(Math.floor(code / 100)).u8(code % 100).bytes(text).finish();
  return { type: STUN_ATTR.errorCode, value };
}

export function decodeErrorCode(value: Uint8Array): StunErrorCode {
  const r = new Reader(value);
  r.u16('stun.error.reserved');
  const hundreds = r.u8('stun.error.class') & 0x07;
  const rest = r.u8('stun.error.number');
  if (hundreds < 3 || hundreds > 6 || rest > 99) throw new DecodeError('invalid', 'stun.error.code');
  const raw = r.rest();
  if (raw.byteLength > STUN_TEXT_BYTES_MAX * 4) throw new DecodeError('oversize', 'stun.error.reason');
  const reason = fromUtf8Strict(raw);
  if (reason === undefined) throw new DecodeError('invalid', 'stun.error.reason', 'not UTF-8');
  return { code: hundreds * 100 + rest, reason };
}

export interface ChangeRequest {
  readonly changeIp: boolean;
  readonly changePort: boolean;
}

export function changeRequestAttribute(change: ChangeRequest): StunAttribute {
  const flags = (change.changeIp ? CHANGE_IP_FLAG : 0) | (change.changePort ? CHANGE_PORT_FLAG : 0);
  return { type: STUN_ATTR.changeRequest, value: new Writer(4).u32(flags).finish() };
}

export function decodeChangeRequest(value: Uint8Array): ChangeRequest {
  const r = new Reader(value);
  const flags = r.u32('stun.change-request');
  r.end('stun.change-request');
  return { changeIp: (flags & CHANGE_IP_FLAG) !== 0, changePort: (flags & CHANGE_PORT_FLAG) !== 0 };
}

export function softwareAttribute(text: string): StunAttribute {
  return { type: STUN_ATTR.software, value: utf8(text).subarray(0, STUN_TEXT_BYTES_MAX) };
}

export function decodeText(value: Uint8Array, field: string): string {
  const text = fromUtf8Strict(value);
  if (text === undefined) throw new DecodeError('invalid', field, 'not UTF-8');
  return text;
}

/** Comprehension-required attribute types (0x0000-0x7fff) this implementation does not know. */
export function unknownRequiredAttributes(attributes: readonly StunAttribute[]): number[] {
  const known = new Set<number>([
    STUN_ATTR.mappedAddress,
    STUN_ATTR.changeRequest,
    STUN_ATTR.username,
    STUN_ATTR.messageIntegrity,
    STUN_ATTR.errorCode,
    STUN_ATTR.unknownAttributes,
    STUN_ATTR.realm,
    STUN_ATTR.nonce,
    STUN_ATTR.xorMappedAddress,
    STUN_ATTR.padding,
    STUN_ATTR.responsePort,
  ]);
  const unknown: number[] = [];
  for (const a of attributes) if (a.type < 0x8000 && !known.has(a.type) && !unknown.includes(a.type)) unknown.push(a.type);
  return unknown;
}

export function unknownAttributesAttribute(types: readonly number[]): StunAttribute {
  const w = new Writer(2 * types.length + 2);
  for (const t of types) w.u16(t);
  return { type: STUN_ATTR.unknownAttributes, value: w.finish() };
}
