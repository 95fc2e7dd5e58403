// Identity addresses: how an overlay behind NATs names its peers. An overlay machine (MeshNode,
// ChordNode) speaks `Addr` datagrams; behind NATs a peer's transport address is neither known
// in advance (it is whatever its NAT mapped, per destination for a symmetric NAT) nor stable
// (bindings expire, paths move between direct and relay). So the overlay is given a synthetic,
// stable address derived from each peer's public key instead, and the overlay host
// (overlay-host.ts) turns a datagram to that address into a secure session found via the
// rendezvous.
//
// Mapping (documented in docs/overlay-sessions.md):
//   digest   = SHA-256(X25519 static public key)[0..15)           (120 bits)
//   address  = [fd00 | digest] as IPv6 (fd00::/8, unique local), port IDENTITY_PORT
//   link id  = namespace + hex(digest_mine[0..12)) + hex(digest_theirs[0..12))  (rendezvous id)
// The digest is a prefix of SHA-256 over the key, which is also how MeshNode (16 bytes) and
// ChordNode (top m bits) derive their ids: an overlay can check a claimed id against the
// address it came from. A datagram from an identity address was carried by a Noise session
// whose proven key hashes to that digest, so the address itself is authenticated; forging
// one means finding a second preimage of 120 bits.
import { ipFromBytes, ipToBytes, type Addr } from '../core/addr.ts';
import { hex, utf8 } from '../core/bytes.ts';
import type { Crypto } from '../core/crypto.ts';

export const IDENTITY_DIGEST_BYTES = 15;
/** The first byte of every identity address (fd00::/8, never a destination we send to). */
export const IDENTITY_PREFIX_BYTE = 0xfd;
export const IDENTITY_PORT = 1;
/** Bytes of each digest in a rendezvous link id (two of them, 48 hex characters). */
export const LINK_DIGEST_BYTES = 12;
/** Rendezvous ids are 1..64 UTF-8 bytes: the namespace keeps 16 for itself. */
export const NAMESPACE_BYTES_MAX = 64 - 4 * LINK_DIGEST_BYTES;

export interface Identity {
  readonly publicKey: Uint8Array;
  readonly digest: Uint8Array;
  /** hex(digest): the name events and tables use. */
  readonly name: string;
  readonly addr: Addr;
}

export function digestOfKey(crypto: Crypto, publicKey: Uint8Array): Uint8Array {
  return crypto.sha256(publicKey).subarray(0, IDENTITY_DIGEST_BYTES);
}

export function addrOfDigest(digest: Uint8Array): Addr {
  const bytes = new Uint8Array(16);
  bytes[0] = IDENTITY_PREFIX_BYTE;
  bytes.set(digest.subarray(0, IDENTITY_DIGEST_BYTES), 1);
  return { family: 6, ip: ipFromBytes(bytes), port: IDENTITY_PORT };
}

export function identityOfKey(crypto: Crypto, publicKey: Uint8Array): Identity {
  const digest = digestOfKey(crypto, publicKey);
  return { publicKey, digest, name: hex(digest), addr: addrOfDigest(digest) };
}

/** The identity of the holder of a 32-byte X25519 static secret. */
export function identityOfSecret(crypto: Crypto, staticSecret: Uint8Array): Identity {
  return identityOfKey(crypto, crypto.x25519PublicKey(staticSecret));
}

/** The digest an identity address carries, or undefined when `a` is not one. */
export function digestOfAddr(a: Addr): Uint8Array | undefined {
  if (a.family !== 6 || a.port !== IDENTITY_PORT) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = ipToBytes(a.ip);
  } catch {
    return undefined;
  }
  if (bytes.byteLength !== 16 || bytes[0] !== IDENTITY_PREFIX_BYTE) return undefined;
  return bytes.slice(1);
}

export function isIdentityAddr(a: Addr): boolean {
  return digestOfAddr(a) !== undefined;
}

/** Why a namespace cannot prefix rendezvous ids, or undefined when it can. */
export function namespaceProblem(namespace: string): string | undefined {
  const bytes = utf8(namespace).byteLength;
  if (bytes === 0) return 'empty';
  if (bytes > NAMESPACE_BYTES_MAX) return `longer than ${NAMESPACE_BYTES_MAX} bytes`;
  return undefined;
}

/**
 * The rendezvous id one side of a link registers: its own digest first. The other side
 * registers the mirror image, so each names the other's id without being told it.
 */
export function linkId(namespace: string, mine: Uint8Array, theirs: Uint8Array): string {
  return namespace + hex(mine.subarray(0, LINK_DIGEST_BYTES)) + hex(theirs.subarray(0, LINK_DIGEST_BYTES));
}
