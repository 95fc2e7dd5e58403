// ChaCha20-Poly1305 (RFC 8439) in plain JavaScript, for the node:crypto provider's short
// messages. Through node:crypto every seal builds a cipher object and four Buffers in C++
// (~5.5 us and four native allocations the collector must finalize); a Noise handshake seals
// or opens twelve messages of at most 64 bytes, where one ChaCha20 block and a few Poly1305
// blocks in JavaScript cost less. Longer messages go to OpenSSL (runtime-node/node-crypto.ts
// chooses by size). Written from RFC 8439 sections 2.3-2.8; checked against OpenSSL on random
// inputs and against the RFC's section 2.8.2 vector in test/runtime-node/chacha20poly1305.test.ts.

const TAG_BYTES = 16;
const s = new Uint32Array(16);
/** One keystream block, as 16 little-endian words. */
const w = new Uint32Array(16);
const stream = new Uint8Array(w.buffer);
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

function word(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
}

/** Sets the ChaCha20 state for `key` and `nonce` (RFC 8439 section 2.3); the counter is set per block. */
function setup(key: Uint8Array, nonce: Uint8Array): void {
  s[0] = 0x61707865;
  s[1] = 0x3320646e;
  s[2] = 0x79622d32;
  s[3] = 0x6b206574;
  for (let i = 0; i < 8; i++) s[4 + i] = word(key, i * 4);
  s[13] = word(nonce, 0);
  s[14] = word(nonce, 4);
  s[15] = word(nonce, 8);
}

/** The keystream block for `counter` into `w` (20 rounds, the state in locals). */
function block(counter: number): void {
  s[12] = counter;
    let x0 = s[0]! | 0;
    let x1 = s[1]! | 0;
    let x2 = s[2]! | 0;
    let x3 = s[3]! | 0;
    let x4 = s[4]! | 0;
    let x5 = s[5]! | 0;
    let x6 = s[6]! | 0;
    let x7 = s[7]! | 0;
    let x8 = s[8]! | 0;
    let x9 = s[9]! | 0;
    let x10 = s[10]! | 0;
    let x11 = s[11]! | 0;
    let x12 = s[12]! | 0;
    let x13 = s[13]! | 0;
    let x14 = s[14]! | 0;
    let x15 = s[15]! | 0;
  for (let round = 0; round < 10; round++) {
      x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16);
      x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
      x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24);
      x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);
      x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16);
      x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
      x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24);
      x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);
      x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16);
      x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
      x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24);
      x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);
      x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16);
      x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
      x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24);
      x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);
      x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16);
      x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
      x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24);
      x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);
      x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16);
      x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
      x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24);
      x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);
      x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16);
      x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
      x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24);
      x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);
      x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16);
      x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
      x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24);
      x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
  }
    w[0] = (x0 + s[0]!) | 0;
    w[1] = (x1 + s[1]!) | 0;
    w[2] = (x2 + s[2]!) | 0;
    w[3] = (x3 + s[3]!) | 0;
    w[4] = (x4 + s[4]!) | 0;
    w[5] = (x5 + s[5]!) | 0;
    w[6] = (x6 + s[6]!) | 0;
    w[7] = (x7 + s[7]!) | 0;
    w[8] = (x8 + s[8]!) | 0;
    w[9] = (x9 + s[9]!) | 0;
    w[10] = (x10 + s[10]!) | 0;
    w[11] = (x11 + s[11]!) | 0;
    w[12] = (x12 + s[12]!) | 0;
    w[13] = (x13 + s[13]!) | 0;
    w[14] = (x14 + s[14]!) | 0;
    w[15] = (x15 + s[15]!) | 0;
  if (!LITTLE_ENDIAN) for (let i = 0; i < 16; i++) w[i] = ((w[i]! & 0xff) << 24) | ((w[i]! & 0xff00) << 8) | ((w[i]! >>> 8) & 0xff00) | (w[i]! >>> 24);
}

/** XORs the keystream from block 1 on into `out` at `at` (RFC 8439 section 2.4). */
function xorStream(input: Uint8Array, out: Uint8Array, at: number): void {
  for (let done = 0, counter = 1; done < input.byteLength; counter++) {
    block(counter);
    const take = Math.min(64, input.byteLength - done);
    for (let i = 0; i < take; i++) out[at + done + i] = input[done + i]! ^ stream[i]!;
    done += take;
  }
}

// Poly1305 (RFC 8439 section 2.5) on 130-bit numbers in ten 13-bit limbs. A limb product,
// times 5 for the wrap-around (2^130 = 5 mod p), stays below 2^31 and a sum of ten below
// 2^35: exact in doubles, so carries use division where a value may pass 32 bits.
const LIMB = 8192;
const r = new Float64Array(10);
const r5 = new Float64Array(10);
const h = new Float64Array(12); // two zero limbs past the top, for the final word extraction
const m = new Float64Array(10);
const d = new Float64Array(10);
const g = new Float64Array(10);
const padKey = new Uint8Array(32);
const words16 = new Uint16Array(10);
const lengths = new Uint8Array(16);
const tag = new Uint8Array(TAG_BYTES);

/** Up to 16 bytes of `bytes` from `at`, zero padded, plus 2^128, as limbs in `m`. */
function load(bytes: Uint8Array, at: number, count: number): void {
  words16.fill(0);
  for (let i = 0; i < count; i++) words16[i >> 1] = words16[i >> 1]! | (bytes[at + i]! << ((i & 1) * 8));
  for (let k = 0; k < 10; k++) {
    const bit = 13 * k;
    const wi = bit >>> 4;
    m[k] = ((words16[wi]! | (words16[wi + 1]! << 16)) >>> (bit & 15)) & 0x1fff;
  }
  m[9] = m[9]! + 2048; // the 0x01 byte after a 16-byte block: 2^128 = 2^(117 + 11)
}

/** h = (h + m) * r, partially reduced. */
function multiply(): void {
  for (let i = 0; i < 10; i++) h[i] = h[i]! + m[i]!;
  let carry = 0;
  for (let i = 0; i < 10; i++) {
    let sum = carry;
    for (let j = 0; j <= i; j++) sum += h[j]! * r[i - j]!;
    for (let j = i + 1; j < 10; j++) sum += h[j]! * r5[i + 10 - j]!;
    carry = Math.floor(sum / LIMB);
    d[i] = sum - carry * LIMB;
  }
  d[0] = d[0]! + carry * 5;
  carry = Math.floor(d[0]! / LIMB);
  d[0] = d[0]! - carry * LIMB;
  d[1] = d[1]! + carry;
  for (let i = 0; i < 10; i++) h[i] = d[i]!;
}

/** Starts a MAC under the one-time key in `padKey` (r clamped as section 2.5.1 says). */
function start(): void {
  const key = padKey;
  key[3] = key[3]! & 15;
  key[7] = key[7]! & 15;
  key[11] = key[11]! & 15;
  key[15] = key[15]! & 15;
  key[4] = key[4]! & 252;
  key[8] = key[8]! & 252;
  key[12] = key[12]! & 252;
  load(key, 0, 16);
  for (let k = 0; k < 10; k++) {
    r[k] = k === 9 ? m[9]! - 2048 : m[k]!;
    r5[k] = 5 * r[k]!;
  }
  h.fill(0);
}

/** Absorbs `count` bytes from `at` in zero-padded 16-byte blocks (the AEAD's pad16). */
function absorb(bytes: Uint8Array, at: number, count: number): void {
  for (let done = 0; done < count; done += 16) {
    load(bytes, at + done, Math.min(16, count - done));
    multiply();
  }
}

function carryAll(limbs: Float64Array): number {
  let carry = 0;
  for (let i = 0; i < 10; i++) {
    const v = limbs[i]! + carry;
    carry = Math.floor(v / LIMB);
    limbs[i] = v - carry * LIMB;
  }
  return carry;
}

/** Ends the MAC over AD and ciphertext lengths; the tag goes to `tag`. */
function finish(adBytes: number, ctBytes: number): void {
  lengths.fill(0);
  for (let i = 0, v = adBytes; i < 6; i++, v = Math.floor(v / 256)) lengths[i] = v & 0xff;
  for (let i = 0, v = ctBytes; i < 6; i++, v = Math.floor(v / 256)) lengths[8 + i] = v & 0xff;
  absorb(lengths, 0, 16);
  // Fully reduce h mod 2^130 - 5, then add s mod 2^128.
  h[0] = h[0]! + 5 * carryAll(h);
  h[0] = h[0]! + 5 * carryAll(h);
  for (let i = 0; i < 10; i++) g[i] = h[i]!;
  g[0] = g[0]! + 5;
  // h >= p (then h - p = g - 2^130): the one data-dependent branch, taken with probability
  // ~2^-128 for an honest tag; the tag comparison itself never exits early.
  if (carryAll(g) > 0) for (let i = 0; i < 10; i++) h[i] = g[i]!;
  let carry = 0;
  for (let k = 0; k < 8; k++) {
    const bit = 16 * k;
    const l = Math.floor(bit / 13);
    const shift = bit % 13;
    const v = ((h[l]! >>> shift) | (h[l + 1]! << (13 - shift)) | (h[l + 2]! << (26 - shift))) & 0xffff;
    const sum = v + (padKey[16 + 2 * k]! | (padKey[17 + 2 * k]! << 8)) + carry;
    tag[2 * k] = sum & 0xff;
    tag[2 * k + 1] = (sum >>> 8) & 0xff;
    carry = sum >>> 16;
  }
}

/** The one-time Poly1305 key: the first 32 bytes of block 0 (section 2.6). */
function oneTimeKey(key: Uint8Array, nonce: Uint8Array): void {
  setup(key, nonce);
  block(0);
  for (let i = 0; i < 32; i++) padKey[i] = stream[i]!;
  start();
}

/** Seals into `out` at `at`: ciphertext || tag (plaintext.byteLength + 16 bytes). */
export function chachaPolySealInto(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array, out: Uint8Array, at: number): void {
  oneTimeKey(key, nonce);
  xorStream(plaintext, out, at);
  absorb(associatedData, 0, associatedData.byteLength);
  absorb(out, at, plaintext.byteLength);
  finish(associatedData.byteLength, plaintext.byteLength);
  out.set(tag, at + plaintext.byteLength);
}

/** The plaintext, or undefined when the tag does not verify (compared without early exit). */
export function chachaPolyOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, associatedData: Uint8Array): Uint8Array | undefined {
  if (ciphertext.byteLength < TAG_BYTES) return undefined;
  const length = ciphertext.byteLength - TAG_BYTES;
  oneTimeKey(key, nonce);
  absorb(associatedData, 0, associatedData.byteLength);
  absorb(ciphertext, 0, length);
  finish(associatedData.byteLength, length);
  let diff = 0;
  for (let i = 0; i < TAG_BYTES; i++) diff |= tag[i]! ^ ciphertext[length + i]!;
  if (diff !== 0) return undefined;
  const out = new Uint8Array(length);
  setup(key, nonce);
  xorStream(ciphertext.subarray(0, length), out, 0);
  return out;
}
