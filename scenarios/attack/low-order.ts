// Crafted Noise initiations whose ephemeral key is a low-order Curve25519 point, each with a
// valid mac1 (the mac1 key derives from the public default network key, so anyone can make
// one). A DH with such a key gives the all-zero secret (RFC 7748 section 6.1); a responder must
// count and drop it, never throw.
import { nobleCrypto } from '../../protocol/core/noble-crypto.ts';
import { cookieKeys, sealInitiationMacs } from '../../protocol/rudp/cookie.ts';
import { DEFAULT_CONFIG } from '../../protocol/rudp/config.ts';
import { encodeInitiation } from '../../protocol/rudp/packet.ts';

/**
 * The canonical low-order u-coordinates of Curve25519, little-endian: 0, 1, the two points of
 * order 8, p-1, p and p+1. Source: libsodium's small-order blacklist
 * (src/libsodium/crypto_scalarmult/curve25519/ref10/x25519_ref10.c, has_small_order) and
 * Cremers & Jackson, "Prime, Order Please!" (IEEE CSF 2019), table 1.
 */
export const LOW_ORDER_POINTS_HEX: readonly string[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** One initiation per low-order point, sender ids `first_sender`, +1, ...; mac1 valid for `network_key`. */
export function lowOrderInitiations(first_sender: number, network_key: string = DEFAULT_CONFIG.network_key): Uint8Array[] {
  const keys = cookieKeys(nobleCrypto, network_key);
  return LOW_ORDER_POINTS_HEX.map((hex, i) => {
    const packet = encodeInitiation((first_sender + i) >>> 0, fromHex(hex));
    sealInitiationMacs(nobleCrypto, keys, packet, undefined);
    return packet;
  });
}
