// The 12 low-order encodings of Curve25519 u-coordinates, read from test/vectors/
// x25519-low-order.json (source: D. J. Bernstein, "How do I validate Curve25519 public
// keys?", https://cr.yp.to/ecdh.html; the list libsodium's x25519 blacklist is built from):
// 0, 1, two points of order 8, p-1, p, p+1 and the non-canonical p+a, p+b, 2p-1, 2p, 2p+1
// (p = 2^255 - 19). X25519 (RFC 7748 section 5) clears bit 255 before use, so the first 7 give
// the all-zero shared secret for every scalar, while the 5 encodings >= 2^255 become ordinary
// points once masked. A handshake must survive all 12 without a throw.
import { readFileSync } from 'node:fs';

export interface LowOrderPoint {
  readonly name: string;
  /** The u-coordinate as an integer (decimal in the file). */
  readonly u: bigint;
  readonly encoding: Uint8Array;
  readonly hex: string;
  /** True when RFC 7748's masking leaves it low-order (the DH result is all zeros). */
  readonly zeroSecret: boolean;
}

interface VectorFile {
  readonly source: string;
  readonly points: ReadonlyArray<{ readonly name: string; readonly u: string; readonly hex: string; readonly zero_secret: boolean }>;
}

const FILE = new URL('../../vectors/x25519-low-order.json', import.meta.url);
const vectors = JSON.parse(readFileSync(FILE, 'utf8')) as VectorFile;

export const LOW_ORDER_SOURCE = vectors.source;

export const LOW_ORDER_POINTS: readonly LowOrderPoint[] = vectors.points.map((p) => ({
  name: p.name,
  u: BigInt(p.u),
  encoding: Uint8Array.from(Buffer.from(p.hex, 'hex')),
  hex: p.hex,
  zeroSecret: p.zero_secret,
}));

/** Little-endian 32-byte encoding of `u` (to check the file's hex against its integers). */
export function encodeU(u: bigint): string {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return Buffer.from(out).toString('hex');
}

const P = 2n ** 255n - 19n;
/** The two order-8 points' u-coordinates, as the source prints them. */
export const ORDER8 = [
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
] as const;
/** The source's 12 integers, in its order. */
export const SOURCE_INTEGERS: readonly bigint[] = [0n, 1n, ORDER8[0], ORDER8[1], P - 1n, P, P + 1n, P + ORDER8[0], P + ORDER8[1], 2n * P - 1n, 2n * P, 2n * P + 1n];

/** The published encodings of three of them (cr.yp.to/ecdh.html, libsodium). */
export const KNOWN_HEX: Readonly<Record<string, string>> = {
  'order-8 a': 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  'order-8 b': '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  p: 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
};
