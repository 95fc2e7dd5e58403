// WireGuard-style stateless DoS defence. Every initiation carries mac1 (keyed by the network
// key) so garbage is dropped cheaply; under load the responder answers an initiation without
// a valid mac2 by a cookie reply and keeps no state. The cookie is a MAC of the source
// address under a rotating secret, so only a sender that can receive at that address can
// compute mac2 and make the responder spend DH operations on it.
import type { Addr } from '../core/addr.ts';
import { formatAddr } from '../core/addr.ts';
import type { Crypto } from '../core/crypto.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import { concatBytes, equalBytes, utf8 } from '../core/bytes.ts';
import { COOKIE_NONCE_BYTES, MAC_BYTES, type CookieReply, type Initiation } from './packet.ts';


export function mac16(crypto: Crypto, key: Uint8Array, data: Uint8Array): Uint8Array {
  return crypto.hmacBlake2s(key, data).subarray(0, MAC_BYTES);
}

export interface CookieKeys {
  readonly mac1Key: Uint8Array;
  readonly cookieKey: Uint8Array;
}

export function cookieKeys(crypto: Crypto, networkKey: string): CookieKeys {
  const network = utf8(networkKey);
  return {
    mac1Key: crypto.blake2s(concatBytes(utf8('mac1----'), network)),
    cookieKey: crypto.blake2s(concatBytes(utf8('cookie--'), network)),
  };
}

/** Fills mac1 (and mac2 when a cookie is held) into an encoded initiation in place. */
export function sealInitiationMacs(crypto: Crypto, keys: CookieKeys, packet: Uint8Array, cookie: Uint8Array | undefined): Uint8Array {
  const mac1At = packet.byteLength - 2 * MAC_BYTES;
  const mac1 = mac16(crypto, keys.mac1Key, packet.subarray(0, mac1At));
  packet.set(mac1, mac1At);
  const mac2 = cookie ? mac16(crypto, cookie, packet.subarray(0, mac1At + MAC_BYTES)) : new Uint8Array(MAC_BYTES);
  packet.set(mac2, mac1At + MAC_BYTES);
  return mac1.slice();
}

/** Initiator side: the cookie inside a reply, or undefined when it does not authenticate. */
export function openCookieReply(crypto: Crypto, keys: CookieKeys, reply: CookieReply, lastMac1: Uint8Array): Uint8Array | undefined {
  return crypto.aeadOpen(keys.cookieKey, reply.nonce, reply.sealed, lastMac1);
}

/** Responder side: checks macs and mints cookies from a secret that rotates. */
export class CookieChecker {
  private secret: Uint8Array;
  private secretBorn: Millis;

  constructor(
    private readonly crypto: Crypto,
    private readonly rng: Rng,
    private readonly keys: CookieKeys,
    private readonly rotate_ms: number,
  ) {
    this.secret = rng.nextBytes(32);
    this.secretBorn = 0;
  }

  checkMac1(initiation: Initiation): boolean {
    return equalBytes(mac16(this.crypto, this.keys.mac1Key, initiation.macd1), initiation.mac1);
  }

  private cookieFor(now: Millis, remote: Addr): Uint8Array {
    if (now - this.secretBorn >= this.rotate_ms) {
      this.secret = this.rng.nextBytes(32);
      this.secretBorn = now;
    }
    return mac16(this.crypto, this.secret, utf8(formatAddr(remote)));
  }

  checkMac2(now: Millis, remote: Addr, initiation: Initiation): boolean {
    const cookie = this.cookieFor(now, remote);
    return equalBytes(mac16(this.crypto, cookie, initiation.macd2), initiation.mac2);
  }

  /** The sealed cookie for a reply: [nonce, sealed]. */
  reply(now: Millis, remote: Addr, initiation: Initiation): [Uint8Array, Uint8Array] {
    const nonce = this.rng.nextBytes(COOKIE_NONCE_BYTES);
    const sealed = this.crypto.aeadSeal(this.keys.cookieKey, nonce, this.cookieFor(now, remote), initiation.mac1);
    return [nonce, sealed];
  }
}
