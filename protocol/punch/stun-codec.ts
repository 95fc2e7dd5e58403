// STUN message framing (RFC 8489 sections 5, 14.5, 14.7): header, attribute TLVs with 4-byte
// padding, MESSAGE-INTEGRITY (HMAC-SHA1 over the message with its length adjusted) and
// FINGERPRINT (CRC-32 xor 0x5354554e). Decoding raises DecodeError on any framing fault.
import { equalBytes } from '../core/bytes.ts';
import { DecodeError } from '../core/decode-error.ts';
import type { Crypto } from '../core/crypto.ts';
import { STUN_MAGIC_COOKIE } from '../core/demux.ts';
import { Writer } from '../core/writer.ts';
import { crc32 } from './crc32.ts';
import {
  FINGERPRINT_XOR,
  MESSAGE_INTEGRITY_BYTES,
  STUN_ATTR,
  STUN_ATTRIBUTES_MAX,
  STUN_HEADER_BYTES,
  STUN_MESSAGE_BYTES_MAX,
  STUN_TRANSACTION_ID_BYTES,
  type DecodedStun,
  type StunAttribute,
  type StunClass,
  type StunMessage,
} from './stun-types.ts';

const CLASS_BITS: Record<StunClass, number> = { request: 0x000, indication: 0x010, success: 0x100, error: 0x110 };

/** Packs method and class into the 14-bit message type (M11..M7 C1 M6..M4 C0 M3..M0). */
export function stunMessageType(method: number, cls: StunClass): number {
  return ((method & 0xf80) << 2) | ((method & 0x070) << 1) | (method & 0x00f) | CLASS_BITS[cls];
}

function splitMessageType(type: number): { method: number; cls: StunClass } {
  const method = ((type & 0x3e00) >> 2) | ((type & 0x00e0) >> 1) | (type & 0x000f);
  const c = type & 0x0110;
  const cls: StunClass = c === 0x000 ? 'request' : c === 0x010 ? 'indication' : c === 0x100 ? 'success' : 'error';
  return { method, cls };
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes one STUN message occupying the whole datagram. Throws DecodeError (never anything
 * else) on: short header, non-zero top bits, bad cookie, bad length, overrunning or too many
 * attributes, misplaced or wrong FINGERPRINT, short MESSAGE-INTEGRITY.
 */
export function decodeStun(data: Uint8Array, bytes_max = STUN_MESSAGE_BYTES_MAX): DecodedStun {
  if (data.byteLength < STUN_HEADER_BYTES) throw new DecodeError('truncated', 'stun.header');
  if (data.byteLength > bytes_max) throw new DecodeError('oversize', 'stun', `${data.byteLength} > ${bytes_max}`);
  const v = view(data);
  const type = v.getUint16(0);
  if (type & 0xc000) throw new DecodeError('invalid', 'stun.type', 'top bits set');
  const length = v.getUint16(2);
  if (v.getUint32(4) !== STUN_MAGIC_COOKIE) throw new DecodeError('invalid', 'stun.cookie');
  if (length % 4 !== 0) throw new DecodeError('invalid', 'stun.length', 'not a multiple of 4');
  if (STUN_HEADER_BYTES + length > data.byteLength) throw new DecodeError('truncated', 'stun.body');
  if (STUN_HEADER_BYTES + length < data.byteLength) throw new DecodeError('trailing', 'stun.body');
  const { method, cls } = splitMessageType(type);
  const transactionId = data.subarray(8, 20);
  const attributes: StunAttribute[] = [];
  let offset = STUN_HEADER_BYTES;
  let integrityOffset: number | undefined;
  let hasFingerprint = false;
  let count = 0;
  while (offset < data.byteLength) {
    if (data.byteLength - offset < 4) throw new DecodeError('truncated', 'stun.attribute.header');
    if (hasFingerprint) throw new DecodeError('invalid', 'stun.fingerprint', 'not the last attribute');
    if (++count > STUN_ATTRIBUTES_MAX) throw new DecodeError('oversize', 'stun.attributes');
    const attrType = v.getUint16(offset);
    const attrLength = v.getUint16(offset + 2);
    const padded = (attrLength + 3) & ~3;
    if (offset + 4 + padded > data.byteLength) throw new DecodeError('truncated', 'stun.attribute.value');
    const value = data.subarray(offset + 4, offset + 4 + attrLength);
    if (attrType === STUN_ATTR.fingerprint) {
      if (attrLength !== 4) throw new DecodeError('invalid', 'stun.fingerprint', 'length');
      const expected = (crc32(data.subarray(0, offset)) ^ FINGERPRINT_XOR) >>> 0;
      if (view(value).getUint32(0) !== expected) throw new DecodeError('invalid', 'stun.fingerprint', 'mismatch');
      hasFingerprint = true;
      attributes.push({ type: attrType, value });
    } else if (integrityOffset !== undefined) {
      // RFC 8489 section 14.5: attributes after MESSAGE-INTEGRITY, bar FINGERPRINT, are ignored.
    } else {
      if (attrType === STUN_ATTR.messageIntegrity) {
        if (attrLength !== MESSAGE_INTEGRITY_BYTES) throw new DecodeError('invalid', 'stun.message-integrity', 'length');
        integrityOffset = offset;
      }
      attributes.push({ type: attrType, value });
    }
    offset += 4 + padded;
  }
  return { method, cls, transactionId, attributes, raw: data, integrityOffset, hasFingerprint };
}

export function findAttribute(message: StunMessage, type: number): Uint8Array | undefined {
  for (const attribute of message.attributes) if (attribute.type === type) return attribute.value;
  return undefined;
}

/** The HMAC input: the message up to MESSAGE-INTEGRITY, length patched to end just after it. */
function integrityInput(raw: Uint8Array, integrityOffset: number): Uint8Array {
  const input = raw.slice(0, integrityOffset);
  view(input).setUint16(2, integrityOffset + 4 + MESSAGE_INTEGRITY_BYTES - STUN_HEADER_BYTES);
  return input;
}

/** True when the message carries a MESSAGE-INTEGRITY that verifies under `key`. */
export function verifyIntegrity(message: DecodedStun, key: Uint8Array, crypto: Crypto): boolean {
  if (message.integrityOffset === undefined) return false;
  const mac = crypto.hmacSha1(key, integrityInput(message.raw, message.integrityOffset));
  const carried = message.raw.subarray(message.integrityOffset + 4, message.integrityOffset + 4 + MESSAGE_INTEGRITY_BYTES);
  return equalBytes(mac, carried);
}

export interface EncodeOptions {
  /** Adds MESSAGE-INTEGRITY keyed with this (short-term: the password bytes). */
  readonly integrity?: { readonly key: Uint8Array; readonly crypto: Crypto };
  readonly fingerprint?: boolean;
  readonly bytes_max?: number;
  /** The byte attribute values are padded with (RFC 8489 section 14: any value; default 0). */
  readonly padding_byte?: number;
}

/** Encodes a message; MESSAGE-INTEGRITY and FINGERPRINT are appended last, in that order. */
export function encodeStun(message: StunMessage, options: EncodeOptions = {}): Uint8Array {
  if (message.transactionId.byteLength !== STUN_TRANSACTION_ID_BYTES) {
    throw new RangeError(`transaction id must be ${STUN_TRANSACTION_ID_BYTES} bytes`);
  }
  const w = new Writer(options.bytes_max ?? STUN_MESSAGE_BYTES_MAX);
  w.u16(stunMessageType(message.method, message.cls)).u16(0).u32(STUN_MAGIC_COOKIE).bytes(message.transactionId);
  for (const attribute of message.attributes) {
    if (attribute.value.byteLength > 0xffff) throw new RangeError('attribute too long');
    w.u16(attribute.type).u16(attribute.value.byteLength).bytes(attribute.value);
    for (let pad = attribute.value.byteLength; pad % 4 !== 0; pad++) w.u8(options.padding_byte ?? 0);
  }
  if (options.integrity) {
    const at = w.length;
    w.patchU16(2, at + 4 + MESSAGE_INTEGRITY_BYTES - STUN_HEADER_BYTES);
    const mac = options.integrity.crypto.hmacSha1(options.integrity.key, w.finish());
    w.u16(STUN_ATTR.messageIntegrity).u16(MESSAGE_INTEGRITY_BYTES).bytes(mac);
  }
  if (options.fingerprint) {
    const at = w.length;
    w.patchU16(2, at + 8 - STUN_HEADER_BYTES);
    const crc = (crc32(w.finish()) ^ FINGERPRINT_XOR) >>> 0;
    w.u16(STUN_ATTR.fingerprint).u16(4).u32(crc);
  }
  w.patchU16(2, w.length - STUN_HEADER_BYTES);
  return w.finish();
}
