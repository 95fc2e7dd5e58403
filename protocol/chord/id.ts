// Chord identifiers: m-bit integers on a ring of size 2^m (bigint, m <= 256), taken from the
// top m bits of SHA-256 over a node's public key or over a key's bytes. Interval tests on the
// ring are the one place wrap-around is handled, so the rest of the code never does modular
// arithmetic by hand.
import type { Crypto } from '../core/crypto.ts';

export type ChordId = bigint;

export const m_bits_min = 3;
export const m_bits_max = 256;

export function idBytes(m_bits: number): number {
  return Math.ceil(m_bits / 8);
}

export function ringSize(m_bits: number): bigint {
  return 1n << BigInt(m_bits);
}

/** The top `m_bits` bits of SHA-256(data), as an id on the ring. */
export function hashToId(crypto: Crypto, data: Uint8Array, m_bits: number): ChordId {
  const digest = crypto.sha256(data);
  let value = 0n;
  for (const byte of digest) value = (value << 8n) | BigInt(byte);
  return value >> BigInt(256 - m_bits);
}

/** `(id + 2^i) mod 2^m`: the start of finger i (0-based: finger 0 is the successor). */
export function fingerStart(id: ChordId, i: number, m_bits: number): ChordId {
  return (id + (1n << BigInt(i))) & (ringSize(m_bits) - 1n);
}

/** Clockwise distance from `a` to `b`. */
export function distance(a: ChordId, b: ChordId, m_bits: number): bigint {
  return (b - a) & (ringSize(m_bits) - 1n);
}

/** x in the open interval (a, b) going clockwise; (a, a) is the whole ring except a. */
export function inOpen(x: ChordId, a: ChordId, b: ChordId): boolean {
  if (a < b) return a < x && x < b;
  return x > a || x < b;
}

/** x in the half-open interval (a, b]; (a, a] is the whole ring. */
export function inHalfOpen(x: ChordId, a: ChordId, b: ChordId): boolean {
  if (a === b) return true;
  if (a < b) return a < x && x <= b;
  return x > a || x <= b;
}

/** Big-endian fixed-width bytes of an id. */
export function idToBytes(id: ChordId, m_bits: number): Uint8Array {
  const width = idBytes(m_bits);
  const text = id.toString(16).padStart(width * 2, '0');
  const out = new Uint8Array(width);
  for (let i = 0; i < width; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const hexByte: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function idFromBytes(bytes: Uint8Array): ChordId {
  if (bytes.byteLength === 0) return 0n;
  let text = '0x';
  for (const byte of bytes) text += hexByte[byte]!;
  return BigInt(text);
}

/** Short hex text of an id for events and traces (full width, no prefix). */
export function idText(id: ChordId, m_bits: number): string {
  return id.toString(16).padStart(idBytes(m_bits) * 2, '0');
}
