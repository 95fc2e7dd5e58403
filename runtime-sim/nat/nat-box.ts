// NatBox: one NAT device as a pure state machine with no knowledge of the network. The
// simulator hands it every datagram that crosses it, with the virtual time, and gets back
// the rewritten address or a typed drop reason; mapping births and deaths come out of
// pollNatEvent() for the trace. Policy lives here (RFC 4787 mapping, filtering, pooling,
// refresh, hairpinning, the Linux conntrack clash); state lives in MappingTable.
//
// Linux conntrack clash, as modelled: without an inbound firewall, an unsolicited datagram
// from R to our E:p (no mapping, or filtered) leaves a conntrack entry for the tuple
// (R, E:p). A later inside flow I -> R whose natural external endpoint is E:p would reuse
// that tuple, so it gets a port of its own (a `flow` mapping, used for R only), while the
// inside endpoint's other flows keep E:p. A peer that learned E:p from STUN and punched
// first then sees our datagrams come from another port: naive simultaneous open fails.
//
// Time: every call takes `now`, which must never decrease. Expiry is exact whatever the
// caller does: each call first expires what is due, so expire()/nextExpiry() only decide when
// nat-expire events come out and memory is returned.
import type { Addr } from '../../protocol/core/addr.ts';
import { AddrParseError, canonicalIp, ipFamily } from '../../protocol/core/addr.ts';
import type { Rng } from '../../protocol/core/rng.ts';
import type { Millis } from '../../protocol/core/time.ts';
import { validateNatConfig, NatConfigError, type NatConfig } from './config.ts';
import { conntrackKey, MappingTable, type InternalEndpoint, type Mapping, type MappingScope } from './mapping-table.ts';
import { NatEventQueue, type NatEvent } from './nat-event.ts';
import { PortAllocator } from './port-allocator.ts';

export { NAT_EVENTS_MAX, type NatEvent } from './nat-event.ts';

export type NatDropReason = 'nat-filtered' | 'nat-no-mapping' | 'nat-table-full';
/** `hairpin`: the destination is our own external address and hairpinning is off. */
export type HairpinDropReason = NatDropReason | 'hairpin';

export type NatOutbound = { readonly external: Addr } | { readonly drop: NatDropReason };
export type NatInbound = { readonly internal: Addr } | { readonly drop: NatDropReason };
export type NatHairpin =
  | {
      /** The inside host the datagram goes to. */
      readonly internal: Addr;
      /** Source address the receiver sees (the sender's external or internal address). */
      readonly source: Addr;
      /** The sender's external mapping used on the way out (for the trace's `nat` line). */
      readonly external: Addr;
    }
  | { readonly drop: HairpinDropReason };

export interface NatBoxOptions {
  /** Queue nat-map / nat-expire events for pollNatEvent(). Default true; off when tracing is off. */
  readonly events?: boolean;
}

export interface NatCounters {
  translatedOut: number;
  translatedIn: number;
  mappingsCreated: number;
  mappingsExpired: number;
  clashes: number;
  hairpinned: number;
  dropFiltered: number;
  dropNoMapping: number;
  dropTableFull: number;
  dropHairpin: number;
  eventsDropped: number;
}

const DROP_FILTERED = Object.freeze({ drop: 'nat-filtered' as const });
const DROP_NO_MAPPING = Object.freeze({ drop: 'nat-no-mapping' as const });
const DROP_TABLE_FULL = Object.freeze({ drop: 'nat-table-full' as const });
const DROP_HAIRPIN = Object.freeze({ drop: 'hairpin' as const });

/** External endpoints are keyed ipIndex * PORT_SPACE + port: a small integer per box. */
const PORT_SPACE = 65_536;

const SCOPE_OF_MAPPING: Record<NatConfig['mapping'], MappingScope> = {
  'endpoint-independent': 'endpoint',
  'address-dependent': 'address',
  'address-and-port-dependent': 'address-and-port',
};

export class NatBox {
  readonly counters: NatCounters = {
    translatedOut: 0, translatedIn: 0, mappingsCreated: 0, mappingsExpired: 0, clashes: 0, hairpinned: 0,
    dropFiltered: 0, dropNoMapping: 0, dropTableFull: 0, dropHairpin: 0, eventsDropped: 0,
  };
  private readonly table: MappingTable;
  private readonly ports: PortAllocator;
  private readonly externalIps: readonly string[];
  /** External IP -> index; only used with several external IPs. */
  private readonly ipIndexByText = new Map<string, number>();
  /** The only external IP when there is one: a string compare beats a Map lookup. */
  private readonly soleIp: string | undefined;
  /**
   * Paired pooling: the external IP each internal IP uses while it has mappings. Undefined
   * when there is nothing to pair (one external IP, or arbitrary pooling).
   */
  private readonly pairs: Map<string, { ipIndex: number; mappings: number }> | undefined;
  private pairCursor = 0;
  /** Mappings per internal IP, kept only when ports_per_host_max is set. */
  private readonly hostPorts: Map<string, number> | undefined;
  private readonly events = new NatEventQueue();
  private readonly recordEvents: boolean;
  private readonly scope: MappingScope;
  private readonly timeout_ms: number;
  private readonly streamTimeout_ms: number;
  private readonly refreshBoth: boolean;

  constructor(
    readonly config: NatConfig,
    externalIps: readonly string[],
    private readonly rng: Rng,
    readonly name: string,
    options: NatBoxOptions = {},
  ) {
    validateNatConfig(config);
    if (externalIps.length === 0) throw new NatConfigError('externalIps', `NAT ${name} needs at least one external IP`);
    const canonical = externalIps.map((ip) => {
      try {
        return canonicalIp(ip);
      } catch (error) {
        if (error instanceof AddrParseError) throw new NatConfigError('externalIps', error.message);
        throw error;
      }
    });
    canonical.forEach((ip, index) => {
      if (this.ipIndexByText.has(ip)) throw new NatConfigError('externalIps', `duplicate ${ip}`);
      this.ipIndexByText.set(ip, index);
    });
    this.externalIps = canonical;
    this.soleIp = canonical.length === 1 ? canonical[0] : undefined;
    this.pairs = config.ip_pooling === 'paired' && canonical.length > 1 ? new Map() : undefined;
    this.hostPorts = config.ports_per_host_max !== undefined ? new Map() : undefined;
    this.table = new MappingTable(config.sessions_max, config.filtering === 'address-dependent', (m, at) => this.mappingExpired(m, at));
    this.ports = new PortAllocator(config.port_assignment, rng);
    this.recordEvents = options.events ?? true;
    this.scope = SCOPE_OF_MAPPING[config.mapping];
    this.timeout_ms = config.binding_timeout_ms;
    this.streamTimeout_ms = config.stream_timeout_ms ?? config.binding_timeout_ms;
    this.refreshBoth = config.refresh === 'both';
  }

  get mappingCount(): number {
    return this.table.mappingCount;
  }

  /** Entries in the session table (flows + conntrack entries); never above sessions_max. */
  get sessionCount(): number {
    return this.table.size;
  }

  /** A datagram from inside `internal` to outside `remote`: its new source, or a drop. */
  outbound(now: Millis, internal: Addr, remote: Addr): NatOutbound {
    const table = this.table;
    if (now >= table.dueAt) table.expire(now);
    const ep = table.endpoint(internal);
    if (ep !== undefined) {
      const session = table.sessionOf(ep, remote);
      if (session !== undefined) {
        const until = now + (session.twoWay ? this.streamTimeout_ms : this.timeout_ms);
        if (until > session.expiresAt) session.expiresAt = until;
        this.counters.translatedOut++;
        return session.mapping.outResult;
      }
    }
    return this.openFlow(now, internal, remote, ep);
  }

  /** A datagram from outside `remote` to our `external` address: its inside target, or a drop. */
  inbound(now: Millis, external: Addr, remote: Addr): NatInbound {
    const table = this.table;
    if (now >= table.dueAt) table.expire(now);
    const ipIndex = this.ipIndexOf(external.ip);
    if (ipIndex < 0) {
      this.counters.dropNoMapping++;
      return DROP_NO_MAPPING;
    }
    const key = ipIndex * PORT_SPACE + external.port;
    const mapping = table.mappingAt(key);
    if (mapping === undefined) return this.unsolicited(now, key, remote, DROP_NO_MAPPING);
    const session = table.mappingSession(mapping, remote);
    if (session !== undefined) {
      session.twoWay = true;
      if (this.refreshBoth) {
        const until = now + this.streamTimeout_ms;
        if (until > session.expiresAt) session.expiresAt = until;
      }
      this.counters.translatedIn++;
      return mapping.inResult;
    }
    const filtering = this.config.filtering;
    const admitted =
      filtering === 'endpoint-independent' ||
      (filtering === 'address-dependent' && table.mappingHasRemoteIp(mapping, remote.ip));
    if (!admitted) return this.unsolicited(now, key, remote, DROP_FILTERED);
    if (this.refreshBoth) this.adoptInboundFlow(now, mapping, remote);
    this.counters.translatedIn++;
    return mapping.inResult;
  }

  /** Whether `ip` is one of this NAT's external addresses (a hairpin destination). */
  isExternalIp(ip: string): boolean {
    return this.ipIndexOf(ip) >= 0;
  }

  /**
   * A datagram from inside `internal` to `destination`. Undefined when `destination` is not
   * one of our external IPs (route it normally with outbound()); else the hairpin verdict:
   * the sender is translated out, the target's mapping and filtering are applied with the
   * sender's external endpoint as source, and the receiver sees the external or internal
   * source depending on the hairpinning mode (RFC 4787 REQ-9).
   */
  hairpin(now: Millis, internal: Addr, destination: Addr): NatHairpin | undefined {
    if (this.ipIndexOf(destination.ip) < 0) return undefined;
    if (this.config.hairpinning === 'none') {
      this.counters.dropHairpin++;
      return DROP_HAIRPIN;
    }
    const out = this.outbound(now, internal, destination);
    if ('drop' in out) return out;
    const back = this.inbound(now, destination, out.external);
    if ('drop' in back) return back;
    this.counters.hairpinned++;
    const source = this.config.hairpinning === 'external-source' ? out.external : internal;
    return { internal: back.internal, source, external: out.external };
  }

  /** Forgets every entry whose time is up (entries expire at expiresAt <= now). */
  expire(now: Millis): void {
    this.table.expire(now);
  }

  /** When the next entry expires (for the simulator to schedule expire()), or undefined. */
  nextExpiry(): Millis | undefined {
    return this.table.nextExpiry();
  }

  /** The next nat-map / nat-expire event, oldest first (drain after every call). */
  pollNatEvent(): NatEvent | undefined {
    return this.events.poll();
  }

  /** A new flow: reuse the mapping its scope allows, or make one; then add the session. */
  private openFlow(now: Millis, internal: Addr, remote: Addr, ep: InternalEndpoint | undefined): NatOutbound {
    const table = this.table;
    if (table.full) {
      this.counters.dropTableFull++;
      return DROP_TABLE_FULL;
    }
    let mapping: Mapping | undefined;
    if (ep !== undefined) {
      if (this.scope === 'endpoint') mapping = ep.eim;
      else if (this.scope === 'address') mapping = ep.byRemoteIp?.get(remote.ip);
    }
    if (mapping !== undefined && this.config.conntrack_clash && table.conntrackEntry(conntrackKey(mapping.externalKey, remote))) {
      mapping = this.clashFlow(now, internal, remote, mapping.ipIndex);
    } else if (mapping === undefined) {
      mapping = this.newMapping(now, internal, remote);
    }
    if (mapping === undefined) {
      this.counters.dropTableFull++; // the port space or the host's port quota ran out
      return DROP_TABLE_FULL;
    }
    table.addSession(mapping, remote, now + this.timeout_ms);
    this.counters.translatedOut++;
    return mapping.outResult;
  }

  private newMapping(now: Millis, internal: Addr, remote: Addr): Mapping | undefined {
    if (this.overQuota(internal)) return undefined;
    const candidates = this.candidateIps(internal);
    for (const ipIndex of candidates) {
      const base = ipIndex * PORT_SPACE;
      const port = this.ports.allocate(ipIndex, internal.port, (p) => !this.table.portTaken(base + p));
      if (port === undefined) continue;
      if (this.config.conntrack_clash && this.table.conntrackEntry(conntrackKey(base + port, remote))) {
        // Linux: only this flow leaves the natural port; no shared mapping is made, so the
        // endpoint's next flow tries the natural port again.
        return this.clashFlow(now, internal, remote, ipIndex);
      }
      return this.register(now, internal, remote, ipIndex, port, this.scope);
    }
    return undefined;
  }

  /** A mapping for one flow whose natural external endpoint clashes with a conntrack tuple. */
  private clashFlow(now: Millis, internal: Addr, remote: Addr, ipIndex: number): Mapping | undefined {
    if (this.overQuota(internal)) return undefined;
    const base = ipIndex * PORT_SPACE;
    const table = this.table;
    const port = this.ports.allocateOther(
      ipIndex,
      (p) => !table.portTaken(base + p) && table.conntrackEntry(conntrackKey(base + p, remote)) === undefined,
    );
    if (port === undefined) return undefined;
    this.counters.clashes++;
    return this.register(now, internal, remote, ipIndex, port, 'flow');
  }

  private register(now: Millis, internal: Addr, remote: Addr, ipIndex: number, port: number, scope: MappingScope): Mapping {
    const ip = this.externalIps[ipIndex]!;
    const external: Addr = Object.freeze({ family: ipFamily(ip), ip, port });
    const ep = this.table.endpointOrNew(internal);
    const mapping = this.table.addMapping(ep, external, ipIndex * PORT_SPACE + port, ipIndex, scope, remote);
    if (this.pairs !== undefined) {
      const pair = this.pairs.get(internal.ip);
      if (pair === undefined) this.pairs.set(internal.ip, { ipIndex, mappings: 1 });
      else pair.mappings++;
    }
    if (this.hostPorts !== undefined) this.hostPorts.set(internal.ip, (this.hostPorts.get(internal.ip) ?? 0) + 1);
    this.counters.mappingsCreated++;
    if (this.recordEvents) {
      const event: NatEvent =
        scope === 'endpoint'
          ? { kind: 'nat-map', at: now, internal: ep.addr, external }
          : scope === 'flow'
            ? { kind: 'nat-map', at: now, internal: ep.addr, external, remote, clash: true }
            : { kind: 'nat-map', at: now, internal: ep.addr, external, remote };
      this.emit(event);
    }
    return mapping;
  }

  /** Whether `internal`'s IP already holds ports_per_host_max mappings. */
  private overQuota(internal: Addr): boolean {
    return this.hostPorts !== undefined && (this.hostPorts.get(internal.ip) ?? 0) >= this.config.ports_per_host_max!;
  }

  private mappingExpired(mapping: Mapping, at: Millis): void {
    if (this.hostPorts !== undefined) {
      const left = this.hostPorts.get(mapping.internal.ip)! - 1;
      if (left === 0) this.hostPorts.delete(mapping.internal.ip);
      else this.hostPorts.set(mapping.internal.ip, left);
    }
    if (this.pairs !== undefined) {
      const pair = this.pairs.get(mapping.internal.ip);
      if (pair !== undefined && --pair.mappings === 0) this.pairs.delete(mapping.internal.ip);
    }
    this.counters.mappingsExpired++;
    if (this.recordEvents) this.emit({ kind: 'nat-expire', at, internal: mapping.internal, external: mapping.external });
  }

  /** External IP indices to try for a new mapping of `internal`, best first. */
  private candidateIps(internal: Addr): number[] {
    if (this.soleIp !== undefined) return ipFamily(this.soleIp) === internal.family ? [0] : [];
    const pair = this.pairs?.get(internal.ip);
    if (pair !== undefined) return [pair.ipIndex]; // paired: never another IP (RFC 4787 REQ-2)
    const family: number[] = [];
    this.externalIps.forEach((ip, index) => {
      if (ipFamily(ip) === internal.family) family.push(index);
    });
    if (family.length <= 1) return family;
    // Paired: round-robin spreads inside hosts over the pool without drawing randomness.
    // Arbitrary: a random first choice. Either way the others follow if the first is full.
    const first = this.pairs !== undefined ? this.pairCursor++ % family.length : this.rng.nextInt(0, family.length - 1);
    return [...family.slice(first), ...family.slice(0, first)];
  }

  /** An inbound datagram admitted by EIF/ADF from a remote with no session opens one (refresh 'both'). */
  private adoptInboundFlow(now: Millis, mapping: Mapping, remote: Addr): void {
    const table = this.table;
    if (table.full || table.sessionOf(mapping.endpoint, remote) !== undefined) return;
    const covered =
      mapping.scope === 'endpoint' || (mapping.scope === 'address' && mapping.remote.ip === remote.ip);
    if (!covered) return;
    table.addSession(mapping, remote, now + this.streamTimeout_ms).twoWay = true;
  }

  /** An inbound datagram the NAT refuses: count it and, on a Linux box, leave a conntrack entry. */
  private unsolicited(now: Millis, externalKey: number, remote: Addr, verdict: typeof DROP_FILTERED | typeof DROP_NO_MAPPING): NatInbound {
    if (this.config.inbound_firewall) {
      this.counters.dropFiltered++;
      return DROP_FILTERED;
    }
    if (verdict === DROP_FILTERED) this.counters.dropFiltered++;
    else this.counters.dropNoMapping++;
    if (this.config.conntrack_clash) {
      const key = conntrackKey(externalKey, remote);
      const entry = this.table.conntrackEntry(key);
      if (entry !== undefined) entry.expiresAt = Math.max(entry.expiresAt, now + this.timeout_ms);
      else if (!this.table.full) this.table.addConntrack(key, now + this.timeout_ms);
    }
    return verdict;
  }

  private ipIndexOf(ip: string): number {
    if (this.soleIp !== undefined) return ip === this.soleIp ? 0 : -1;
    return this.ipIndexByText.get(ip) ?? -1;
  }

  private emit(event: NatEvent): void {
    if (!this.events.push(event)) this.counters.eventsDropped++;
  }
}
