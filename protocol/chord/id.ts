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
  const width = idBytes(m_bits);
  const top = idFromBytes(crypto.sha256(data).subarray(0, width));
  const spare = width * 8 - m_bits;
  return spare === 0 ? top : top >> BigInt(spare);
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

/** Big-endian fixed-width bytes of an id (written into `out` at `offset` when given). */
export function idToBytes(id: ChordId, m_bits: number, out?: Uint8Array, offset = 0): Uint8Array {
  const width = idBytes(m_bits);
  const dst = out ?? new Uint8Array(width);
  // Ids up to 48 bits go through one Number (exact below 2^53); wider ones 32 bits at a time.
  // Either way no text is built (the hot path of every encoded ref).
  if (width <= 6) {
    let v = Number(id);
    for (let i = width - 1; i >= 0; i--) {
      dst[offset + i] = v % 256;
      v = Math.floor(v / 256);
    }
    return dst;
  }
  let rest = id;
  let i = width;
  while (i >= 4) {
    const word = Number(rest & 0xffffffffn);
    rest >>= 32n;
    i -= 4;
    dst[offset + i] = word >>> 24;
    dst[offset + i + 1] = (word >>> 16) & 0xff;
    dst[offset + i + 2] = (word >>> 8) & 0xff;
    dst[offset + i + 3] = word & 0xff;
  }
  if (i > 0) {
    let word = Number(rest);
    for (let k = i - 1; k >= 0; k--) {
      dst[offset + k] = word & 0xff;
      word >>>= 8;
    }
  }
  return dst;
}

/** The id in big-endian `bytes` (any width; the decoder bounds it by m first). */
export function idFromBytes(bytes: Uint8Array): ChordId {
  const width = bytes.byteLength;
  if (width <= 6) {
    let v = 0;
    for (let i = 0; i < width; i++) v = v * 256 + bytes[i]!;
    return BigInt(v);
  }
  let value = 0n;
  let i = 0;
  const head = width % 4;
  if (head > 0) {
    let word = 0;
    for (; i < head; i++) word = word * 256 + bytes[i]!;
    value = BigInt(word);
  }
  for (; i < width; i += 4) {
    const word = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
    value = (value << 32n) | BigInt(word);
  }
  return value;
}

/** Short hex text of an id for events and traces (full width, no prefix). */
export function idText(id: ChordId, m_bits: number): string {
  return id.toString(16).padStart(idBytes(m_bits) * 2, '0');
}
