// Identity addresses: stable, derived from the key, recognisable, and prefixes of the ids the
// overlays derive from the same key (so an overlay can check a claimed id against the sender).
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { addr, formatAddr, parseAddr } from '../../../protocol/core/addr.ts';
import { hex } from '../../../protocol/core/bytes.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { nodeId } from '../../../protocol/mesh/node-id.ts';
import {
  addrOfDigest, digestOfAddr, identityOfKey, identityOfSecret, IDENTITY_PORT, isIdentityAddr, linkId, namespaceProblem, NAMESPACE_BYTES_MAX,
} from '../../../protocol/overlay/identity-addr.ts';

const key = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('identity addresses', () => {
  it.prop([key])('the address carries the first 15 bytes of SHA-256(key) and survives text round trips', (k) => {
    const id = identityOfKey(nobleCrypto, k);
    expect(hex(id.digest)).toBe(hex(nobleCrypto.sha256(k)).slice(0, 30));
    const back = parseAddr(formatAddr(id.addr));
    expect(hex(digestOfAddr(back)!)).toBe(id.name);
    expect(id.addr.port).toBe(IDENTITY_PORT);
  });

  it.prop([key])('the digest is a prefix of the mesh node id of the same key', (k) => {
    expect(nodeId(nobleCrypto, k).startsWith(identityOfKey(nobleCrypto, k).name)).toBe(true);
  });

  it('a secret and its public key give the same identity', () => {
    const secret = new Uint8Array(32).fill(7);
    expect(identityOfSecret(nobleCrypto, secret).name).toBe(identityOfKey(nobleCrypto, nobleCrypto.x25519PublicKey(secret)).name);
  });

  it('transport addresses are not identity addresses', () => {
    expect(isIdentityAddr(addr('10.0.0.1', 1))).toBe(false);
    expect(isIdentityAddr(addr('fe80::1', IDENTITY_PORT))).toBe(false);
    expect(isIdentityAddr(addr('100::1', 1))).toBe(false);
    const real = addrOfDigest(new Uint8Array(15).fill(0xab));
    expect(isIdentityAddr(real)).toBe(true);
    // Same IP, another port: not ours (the overlay may not invent ports).
    expect(isIdentityAddr({ ...real, port: 2 })).toBe(false);
  });

  it.prop([key, key, fc.string({ minLength: 1, maxLength: NAMESPACE_BYTES_MAX }).filter((s) => new TextEncoder().encode(s).byteLength <= NAMESPACE_BYTES_MAX)])(
    'link ids mirror each other and fit a rendezvous id (<= 64 bytes)',
    (a, b, ns) => {
      const da = identityOfKey(nobleCrypto, a).digest;
      const db = identityOfKey(nobleCrypto, b).digest;
      const mine = linkId(ns, da, db);
      const theirs = linkId(ns, db, da);
      expect(new TextEncoder().encode(mine).byteLength).toBeLessThanOrEqual(64);
      expect(mine.slice(ns.length)).toBe(theirs.slice(ns.length + 24) + theirs.slice(ns.length, ns.length + 24));
    },
  );

  it('namespaces that cannot prefix a rendezvous id are named', () => {
    expect(namespaceProblem('')).toBe('empty');
    expect(namespaceProblem('x'.repeat(NAMESPACE_BYTES_MAX + 1))).toMatch(/longer/);
    expect(namespaceProblem('mesh1.')).toBeUndefined();
  });
});
