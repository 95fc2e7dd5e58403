// What a peerlab peer publishes over DNS-SD (RFC 6763): one service instance of type
// `_peerlab._udp.local` whose SRV names its host and UDP port, whose TXT carries the peer's
// public key and protocol list, and the host's A/AAAA records. Standard tools
// (`avahi-browse -rpt _peerlab._udp`) can list it; `peerFromRecords` reads it back.
import { ipFamily } from '../core/addr.ts';
import { fromUtf8, utf8 } from '../core/bytes.ts';
import { type DnsRecord, type Name, nameEquals, parseName, TXT_STRING_BYTES_MAX } from './dns-wire.ts';

export const SERVICE_TYPE: Name = parseName('_peerlab._udp.local');
/** RFC 6763 §9: the meta-query listing every service type on the link. */
export const SERVICES_META: Name = parseName('_services._dns-sd._udp.local');
/** RFC 6762 §10: host records 120 s, everything else 75 minutes. */
export const HOST_TTL_S = 120;
export const OTHER_TTL_S = 4_500;
/** Protocol names and the key as they travel in TXT (each string <= 255 bytes). */
export const PROTOCOL_NAME_BYTES_MAX = 32;
export const PROTOCOLS_MAX = 8;
export const KEY_HEX_CHARS = 64;

export interface ServiceInfo {
  /** The instance label (user-visible, may hold spaces and dots), <= 63 bytes. */
  readonly instance: string;
  /** The host label, published as `<host>.local`. */
  readonly host: string;
  readonly port: number;
  readonly ips: readonly string[];
  /** The peer's static public key, 64 lower-case hex characters. */
  readonly key_hex: string;
  readonly protocols: readonly string[];
}

export function instanceName(instance: string): Name {
  return [instance, ...SERVICE_TYPE];
}

export function hostName(host: string): Name {
  return [host, 'local'];
}

export function txtStrings(info: ServiceInfo): Uint8Array[] {
  return [`v=1`, `pk=${info.key_hex}`, `proto=${info.protocols.join(',')}`].map((s) => {
    const bytes = utf8(s);
    if (bytes.byteLength > TXT_STRING_BYTES_MAX) throw new RangeError(`TXT string of ${bytes.byteLength} bytes`);
    return bytes;
  });
}

/** The unique records of the instance (probed for, cache-flush set) and its shared PTR. */
export function serviceRecords(info: ServiceInfo, ttl: { host_s: number; other_s: number } = { host_s: HOST_TTL_S, other_s: OTHER_TTL_S }) {
  const name = instanceName(info.instance);
  const target = hostName(info.host);
  const ptr: DnsRecord = { name: SERVICE_TYPE, cacheFlush: false, ttl_s: ttl.other_s, data: { type: 'PTR', name } };
  const srv: DnsRecord = { name, cacheFlush: true, ttl_s: ttl.host_s, data: { type: 'SRV', priority: 0, weight: 0, port: info.port, target } };
  const txt: DnsRecord = { name, cacheFlush: true, ttl_s: ttl.other_s, data: { type: 'TXT', strings: txtStrings(info) } };
  const addresses: DnsRecord[] = info.ips.map((ip) => ({
    name: target,
    cacheFlush: true,
    ttl_s: ttl.host_s,
    data: ipFamily(ip) === 4 ? { type: 'A', ip } : { type: 'AAAA', ip },
  }));
  const meta: DnsRecord = { name: SERVICES_META, cacheFlush: false, ttl_s: ttl.other_s, data: { type: 'PTR', name: SERVICE_TYPE } };
  return { ptr, srv, txt, addresses, meta };
}

export interface TxtInfo {
  readonly key_hex: string;
  readonly protocols: readonly string[];
}

/** Reads our TXT keys; undefined when the key is missing or malformed (a foreign service). */
export function parseTxt(strings: readonly Uint8Array[]): TxtInfo | undefined {
  let key_hex: string | undefined;
  let protocols: string[] = [];
  for (const raw of strings.slice(0, 16)) {
    const text = fromUtf8(raw);
    const eq = text.indexOf('=');
    if (eq <= 0) continue;
    const k = text.slice(0, eq).toLowerCase();
    const v = text.slice(eq + 1);
    // RFC 6763 §6.4: only the first occurrence of a key counts.
    if (k === 'pk' && key_hex === undefined) key_hex = /^[0-9a-f]{64}$/.test(v) ? v : '';
    if (k === 'proto' && protocols.length === 0) {
      protocols = v.split(',').filter((p) => p.length > 0 && p.length <= PROTOCOL_NAME_BYTES_MAX).slice(0, PROTOCOLS_MAX);
    }
  }
  if (!key_hex) return undefined;
  return { key_hex, protocols };
}

/** Whether `name` is the host name a SRV points at. */
export function isHostOf(name: Name, srvTarget: Name): boolean {
  return nameEquals(name, srvTarget);
}
