// Deterministic test payloads for transfers: fast to generate (xorshift words, not the
// simulator's float stream), and hashed incrementally on both ends.
import { sha256 } from '@noble/hashes/sha2.js';
import { hex } from '../../protocol/core/bytes.ts';

export function payload(seed: number, size_bytes: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(size_bytes / 4));
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer, 0, size_bytes);
}

export function sha256Digest(data: Uint8Array): Uint8Array {
  return sha256(data);
}

export function hexDigest(data: Uint8Array): string {
  return hex(sha256(data));
}

/** Incremental sha256 of everything received. */
export class Digest {
  private readonly hash = sha256.create();
  bytes = 0;
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.byteLength;
  }
  hex(): string {
    return hex(this.hash.digest());
  }
}
