// The stable id of a mesh participant: the first 16 bytes of SHA-256 over its 32-byte public
// key, in hex. Over secure sessions the key is the Noise static key the handshake proved, so
// the id cannot be claimed by anyone else; over plain datagrams it is only asserted.
import type { Crypto } from '../core/crypto.ts';
import { hex } from './wire.ts';

export const NODE_ID_BYTES = 16;

/** Bounded memo (ids are recomputed for every delivered message otherwise). */
const memo = new Map<string, string>();
const memo_max = 4_096;

export function nodeId(crypto: Crypto, publicKey: Uint8Array): string {
  const keyHex = hex(publicKey);
  let id = memo.get(keyHex);
  if (id === undefined) {
    id = hex(crypto.sha256(publicKey).subarray(0, NODE_ID_BYTES));
    if (memo.size >= memo_max) memo.delete(memo.keys().next().value!);
    memo.set(keyHex, id);
  }
  return id;
}
