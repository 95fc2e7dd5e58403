// Configuration, limits and events of the mDNS / DNS-SD machine (mdns-node.ts). Timing
// follows RFC 6762: three probes 250 ms apart (§8.1), announcements one, then two seconds apart
// (§8.3: at least two, gaps doubling), shared answers delayed 20-120 ms (§6), a record multicast at most once a second
// (§6, 250 ms for probe defence), queries that start at one second and double (§5.2).
import { addr, type Addr } from '../core/addr.ts';
import type { ServiceInfo } from './service.ts';

export const MDNS_PORT = 5353;
export const MDNS_GROUP_V4: Addr = addr('224.0.0.251', MDNS_PORT);
export const MDNS_GROUP_V6: Addr = addr('ff02::fb', MDNS_PORT);

export interface MdnsConfig {
  /** What we publish; absent = browse only. `invisible` peers publish nothing and answer nothing. */
  readonly service?: ServiceInfo;
  /** Send queries for `_peerlab._udp.local` and report peers found. */
  readonly browse: boolean;
  /** Where multicast goes (224.0.0.251:5353 or [ff02::fb]:5353). */
  readonly group: Addr;
  /** Our own addresses: datagrams from them are our own multicast looped back. */
  readonly own_addrs: readonly Addr[];
  readonly probe_interval_ms: number;
  readonly probes: number;
  /** The first gap between announcements; each later gap doubles (§8.3). */
  readonly announce_interval_ms: number;
  readonly announcements: number;
  /** After losing a simultaneous-probe tiebreak (§8.2), probe again this much later. */
  readonly tiebreak_defer_ms: number;
  readonly query_interval_first_ms: number;
  readonly query_interval_max_ms: number;
  readonly response_delay_min_ms: number;
  readonly response_delay_max_ms: number;
  readonly multicast_min_interval_ms: number;
  readonly probe_defence_min_interval_ms: number;
  /** Renames after conflicts before publishing gives up (`publish-failed`). */
  readonly renames_max: number;
  readonly cache_records_max: number;
  readonly peers_max: number;
  /** Our own datagrams are kept under a typical Ethernet MTU (known answers that do not fit are left out). */
  readonly datagram_bytes_max: number;
  readonly transmits_max: number;
  readonly events_max: number;
  /** TTLs we publish (RFC 6762 §10: host records 120 s, others 4500 s). */
  readonly host_ttl_s: number;
  readonly other_ttl_s: number;
}

export const MDNS_DEFAULTS: Omit<MdnsConfig, 'group' | 'own_addrs'> = {
  browse: true,
  probe_interval_ms: 250,
  probes: 3,
  announce_interval_ms: 1_000,
  announcements: 3,
  tiebreak_defer_ms: 1_000,
  query_interval_first_ms: 1_000,
  query_interval_max_ms: 3_600_000,
  response_delay_min_ms: 20,
  response_delay_max_ms: 120,
  multicast_min_interval_ms: 1_000,
  probe_defence_min_interval_ms: 250,
  renames_max: 32,
  cache_records_max: 1_024,
  peers_max: 256,
  datagram_bytes_max: 1_400,
  transmits_max: 256,
  events_max: 1_024,
  host_ttl_s: 120,
  other_ttl_s: 4_500,
};

/** A peer found on the LAN: exactly what it publishes about itself (its instance, host, port, addresses, key and protocols). */
export type DiscoveredPeer = ServiceInfo;

export type MdnsCommand =
  /** Send goodbyes (TTL 0) for everything we published, then stop for good. */
  | { readonly type: 'stop' }
  /** Ask for the current list (answered with a `peers` event). */
  | { readonly type: 'list' }
  /** Query now (and restart the doubling schedule). */
  | { readonly type: 'query' };

export type MdnsDropReason = 'decode' | 'own' | 'source-port' | 'legacy-unicast' | 'cache-full' | 'peers-full' | 'transmits-full' | 'events-full';

export type MdnsEvent =
  | { readonly type: 'probing'; readonly instance: string }
  | { readonly type: 'published'; readonly instance: string }
  | { readonly type: 'name-conflict'; readonly instance: string; readonly renamed_to: string; readonly cause: 'probe-tiebreak-lost' | 'answer-differs' }
  | { readonly type: 'publish-failed'; readonly instance: string; readonly renames: number }
  | { readonly type: 'peer-found'; readonly peer: DiscoveredPeer }
  | { readonly type: 'peer-lost'; readonly instance: string; readonly reason: 'goodbye' | 'expired' }
  | { readonly type: 'peers'; readonly peers: readonly DiscoveredPeer[] }
  | { readonly type: 'stopped'; readonly goodbyes: number };
