// The unit of fairness at the rendezvous server: a source's network prefix, not its exact
// address. One household, office or attacker usually holds a whole IPv4 /24 or IPv6 /64 (an
// IPv6 host can pick any of 2^64 addresses), so quotas and rate limits count per prefix.
import { ipToBytes, type Addr } from '../core/addr.ts';
import { hex } from '../core/bytes.ts';

export const IPV4_PREFIX_BITS = 24;
export const IPV6_PREFIX_BITS = 64;

/** "v4:a.b.c" (/24) or "v6:" + the first 8 bytes in hex (/64). */
export function sourcePrefix(a: Addr): string {
  if (a.family === 4) {
    const cut = a.ip.lastIndexOf('.');
    return `v4:${cut < 0 ? a.ip : a.ip.slice(0, cut)}`;
  }
  return `v6:${hex(ipToBytes(a.ip).subarray(0, IPV6_PREFIX_BITS / 8))}`;
}
