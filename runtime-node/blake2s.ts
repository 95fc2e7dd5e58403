// BLAKE2s-256 (RFC 7693) and HMAC-BLAKE2s in plain JavaScript, for the node:crypto provider's
// small inputs. A Noise handshake hashes and MACs dozens of 32-96-byte strings; through
// node:crypto each call builds a Hash or Hmac object in C++ (~2-3 us), while one BLAKE2s
// compression here is a fraction of a microsecond. Large inputs still go to OpenSSL
// (runtime-node/node-crypto.ts picks by size). Written from RFC 7693 sections 2-3; checked
// byte for byte against node:crypto's blake2s256 and the RFC's "abc" vector in
// test/runtime-node/blake2s.test.ts.

const BLOCK_BYTES = 64;
const OUT_BYTES = 32;
/** RFC 7693 section 2.6: the SHA-256 initial values. */
const IV = Uint32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);
/** RFC 7693 section 2.7: the message word permutation of each of the 10 rounds. */
const SIGMA = Uint8Array.from([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
  11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
  7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
  9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
  2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
  12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
  13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
  6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
  10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
]);

// Scratch space, reused: the module is synchronous, so no two calls ever interleave.
const h = new Uint32Array(8);
const m = new Uint32Array(16);
const block = new Uint8Array(BLOCK_BYTES);

/**
 * Compresses `block` (64 bytes) into `h`; `counter` is the byte count so far, `last` the final
 * flag. The working vector lives in locals and G (RFC 7693 section 3.1, rotations 16, 12, 8,
 * 7) is written out eight times per round: V8 then keeps it in registers, several times
 * faster than a G function over a typed array.
 */
function compress(counter: number, last: boolean): void {
  for (let i = 0; i < 16; i++) {
    const at = i * 4;
    m[i] = block[at]! | (block[at + 1]! << 8) | (block[at + 2]! << 16) | (block[at + 3]! << 24);
  }
  let v0 = h[0]! | 0, v1 = h[1]! | 0, v2 = h[2]! | 0, v3 = h[3]! | 0;
  let v4 = h[4]! | 0, v5 = h[5]! | 0, v6 = h[6]! | 0, v7 = h[7]! | 0;
  let v8 = IV[0]! | 0, v9 = IV[1]! | 0, v10 = IV[2]! | 0, v11 = IV[3]! | 0;
  let v12 = (IV[4]! ^ counter) | 0;
  let v13 = (IV[5]! ^ Math.floor(counter / 0x1_0000_0000)) | 0;
  let v14 = (last ? ~IV[6]! : IV[6]!) | 0;
  let v15 = IV[7]! | 0;
  for (let s = 0; s < 160; s += 16) {
    v0 = (v0 + v4 + m[SIGMA[s + 0]!]!) | 0; v12 ^= v0; v12 = (v12 >>> 16) | (v12 << 16);
    v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 12) | (v4 << 20);
    v0 = (v0 + v4 + m[SIGMA[s + 1]!]!) | 0; v12 ^= v0; v12 = (v12 >>> 8) | (v12 << 24);
    v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 7) | (v4 << 25);
    v1 = (v1 + v5 + m[SIGMA[s + 2]!]!) | 0; v13 ^= v1; v13 = (v13 >>> 16) | (v13 << 16);
    v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 12) | (v5 << 20);
    v1 = (v1 + v5 + m[SIGMA[s + 3]!]!) | 0; v13 ^= v1; v13 = (v13 >>> 8) | (v13 << 24);
    v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 7) | (v5 << 25);
    v2 = (v2 + v6 + m[SIGMA[s + 4]!]!) | 0; v14 ^= v2; v14 = (v14 >>> 16) | (v14 << 16);
    v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 12) | (v6 << 20);
    v2 = (v2 + v6 + m[SIGMA[s + 5]!]!) | 0; v14 ^= v2; v14 = (v14 >>> 8) | (v14 << 24);
    v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 7) | (v6 << 25);
    v3 = (v3 + v7 + m[SIGMA[s + 6]!]!) | 0; v15 ^= v3; v15 = (v15 >>> 16) | (v15 << 16);
    v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 12) | (v7 << 20);
    v3 = (v3 + v7 + m[SIGMA[s + 7]!]!) | 0; v15 ^= v3; v15 = (v15 >>> 8) | (v15 << 24);
    v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 7) | (v7 << 25);
    v0 = (v0 + v5 + m[SIGMA[s + 8]!]!) | 0; v15 ^= v0; v15 = (v15 >>> 16) | (v15 << 16);
    v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 12) | (v5 << 20);
    v0 = (v0 + v5 + m[SIGMA[s + 9]!]!) | 0; v15 ^= v0; v15 = (v15 >>> 8) | (v15 << 24);
    v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 7) | (v5 << 25);
    v1 = (v1 + v6 + m[SIGMA[s + 10]!]!) | 0; v12 ^= v1; v12 = (v12 >>> 16) | (v12 << 16);
    v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 12) | (v6 << 20);
    v1 = (v1 + v6 + m[SIGMA[s + 11]!]!) | 0; v12 ^= v1; v12 = (v12 >>> 8) | (v12 << 24);
    v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 7) | (v6 << 25);
    v2 = (v2 + v7 + m[SIGMA[s + 12]!]!) | 0; v13 ^= v2; v13 = (v13 >>> 16) | (v13 << 16);
    v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 12) | (v7 << 20);
    v2 = (v2 + v7 + m[SIGMA[s + 13]!]!) | 0; v13 ^= v2; v13 = (v13 >>> 8) | (v13 << 24);
    v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 7) | (v7 << 25);
    v3 = (v3 + v4 + m[SIGMA[s + 14]!]!) | 0; v14 ^= v3; v14 = (v14 >>> 16) | (v14 << 16);
    v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 12) | (v4 << 20);
    v3 = (v3 + v4 + m[SIGMA[s + 15]!]!) | 0; v14 ^= v3; v14 = (v14 >>> 8) | (v14 << 24);
    v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 7) | (v4 << 25);
  }
  h[0] = h[0]! ^ v0 ^ v8;
  h[1] = h[1]! ^ v1 ^ v9;
  h[2] = h[2]! ^ v2 ^ v10;
  h[3] = h[3]! ^ v3 ^ v11;
  h[4] = h[4]! ^ v4 ^ v12;
  h[5] = h[5]! ^ v5 ^ v13;
  h[6] = h[6]! ^ v6 ^ v14;
  h[7] = h[7]! ^ v7 ^ v15;
}

/** Starts an unkeyed 32-byte digest in `h`. */
function init(): void {
  h.set(IV);
  h[0] = h[0]! ^ 0x01010000 ^ OUT_BYTES; // parameter block: digest length 32, fanout 1, depth 1
}

/**
 * Absorbs `data` after `prefix_bytes` already compressed (0 or 64) and finalizes. Full
 * blocks are compressed only once more input follows (the last block, even a full one,
 * carries the final flag). Bytes are copied by hand: a subarray per block costs more than
 * the copy at these sizes.
 */
function absorb(data: Uint8Array, prefix_bytes: number): Uint8Array {
  const length = data.byteLength;
  let counter = prefix_bytes;
  let at = 0;
  while (length - at > BLOCK_BYTES) {
    for (let i = 0; i < BLOCK_BYTES; i++) block[i] = data[at + i]!;
    at += BLOCK_BYTES;
    counter += BLOCK_BYTES;
    compress(counter, false);
  }
  const tail = length - at;
  for (let i = 0; i < tail; i++) block[i] = data[at + i]!;
  block.fill(0, tail);
  compress(counter + tail, true);
  return digest();
}

/** The 32-byte digest in `h`, little-endian words. */
function digest(): Uint8Array {
  const out = new Uint8Array(OUT_BYTES);
  for (let i = 0; i < 8; i++) {
    const word = h[i]!;
    out[i * 4] = word;
    out[i * 4 + 1] = word >>> 8;
    out[i * 4 + 2] = word >>> 16;
    out[i * 4 + 3] = word >>> 24;
  }
  return out;
}

/** BLAKE2s-256 (32-byte digest, no key). */
export function blake2s(data: Uint8Array): Uint8Array {
  init();
  return absorb(data, 0);
}

const ipad = new Uint8Array(BLOCK_BYTES);
const opad = new Uint8Array(BLOCK_BYTES);

/** HMAC-BLAKE2s (RFC 2104 with B = 64, L = 32), as Noise and WireGuard use it. */
export function hmacBlake2s(key: Uint8Array, data: Uint8Array): Uint8Array {
  const k = key.byteLength > BLOCK_BYTES ? blake2s(key) : key;
  ipad.fill(0x36);
  opad.fill(0x5c);
  for (let i = 0; i < k.byteLength; i++) {
    ipad[i] = ipad[i]! ^ k[i]!;
    opad[i] = opad[i]! ^ k[i]!;
  }
  // The padded key is exactly one block: compress it, then the message, then finalize.
  init();
  block.set(ipad);
  let inner: Uint8Array;
  if (data.byteLength === 0) {
    // An empty message: the padded key is the last block, with the final flag.
    compress(BLOCK_BYTES, true);
    inner = digest();
  } else {
    compress(BLOCK_BYTES, false);
    inner = absorb(data, BLOCK_BYTES);
  }
  init();
  block.set(opad);
  compress(BLOCK_BYTES, false);
  return absorb(inner, BLOCK_BYTES);
}
