// The low-order points of Curve25519 as X25519 public-key encodings: test vectors (facts),
// kept with their source. D. J. Bernstein, "How do I validate Curve25519 public keys?",
// https://cr.yp.to/ecdh.html, lists the 12 integers below (the same list libsodium's
// x25519 blacklist is built from): 0, 1, two points of order 8, p-1, p, p+1, and the
// non-canonical p+a, p+b, 2p-1, 2p, 2p+1 (p = 2^255 - 19). X25519 (RFC 7748 section 5)
// clears bit 255 of the u-coordinate before use, so the first 7 give the all-zero shared
// secret for every scalar, while the 5 encodings >= 2^255 become ordinary points once
// masked. A handshake must survive all 12 without a throw.
const P = 2n ** 255n - 19n;
const ORDER8_A = 325606250916557431795983626356110631294008115727848805560023387167927233504n;
const ORDER8_B = 39382357235489614581723060781553021112529911719440698176882885853963445705823n;

function encode(u: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return out;
}

export interface LowOrderPoint {
  readonly name: string;
  readonly encoding: Uint8Array;
  readonly hex: string;
  /** True when RFC 7748's masking leaves it low-order (the DH result is all zeros). */
  readonly zeroSecret: boolean;
}

const LIST: ReadonlyArray<readonly [string, bigint, boolean]> = [
  ['0', 0n, true],
  ['1', 1n, true],
  ['order-8 a', ORDER8_A, true],
  ['order-8 b', ORDER8_B, true],
  ['p-1', P - 1n, true],
  ['p', P, true],
  ['p+1', P + 1n, true],
  ['p+a', P + ORDER8_A, false],
  ['p+b', P + ORDER8_B, false],
  ['2p-1', 2n * P - 1n, false],
  ['2p', 2n * P, false],
  ['2p+1', 2n * P + 1n, false],
];

export const LOW_ORDER_POINTS: readonly LowOrderPoint[] = LIST.map(([name, u, zeroSecret]) => {
  const encoding = encode(u);
  return { name, encoding, hex: Buffer.from(encoding).toString('hex'), zeroSecret };
});

/** The published encodings of three of them (cr.yp.to/ecdh.html, libsodium), to check encode(). */
export const KNOWN_HEX: Readonly<Record<string, string>> = {
  'order-8 a': 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  'order-8 b': '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  p: 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
};
