// Routing: moves datagrams between hosts, realms and NATs (docs/architecture.md). A datagram
// leaves its host over the host's uplink into its realm. In the realm it goes to the node at
// the destination IP over that node's downlink; to a broadcast address, to every other host
// of the realm; to an IP outside the LAN, through the realm's gateway NAT (NatBox.outbound)
// and over the NAT's own uplink into the outer realm. A datagram arriving at a NAT's external
// IP goes through NatBox.inbound into the inside realm. Hairpinning (inside → the NAT's own
// external IP) follows the NAT's config (NatBox.hairpin). Partitions are checked when a
// datagram arrives at a node. Steps with zero delay run inline, except a delivery to a machine
// while some driver is draining (a send): that waits in the queue, so no machine is re-entered
// mid-drain. Two link crossings separated only by a realm are merged into one event when the
// second link's outcome does not depend on its entry time (no bandwidth limit).
import type { Addr } from '../protocol/core/addr.ts';
import type { Transmit } from '../protocol/core/machine.ts';
import { classifyDatagram } from '../protocol/core/demux.ts';
import { EV_NAT_EXPIRY, EV_PACKET } from './kernel.ts';
import type { Kernel } from './kernel.ts';
import { Packet, PacketPool, STAGE_GATEWAY, STAGE_NODE, STAGE_REALM } from './packet.ts';
import { BROADCAST, VIA_GATEWAY, routing } from './realm.ts';
import type { Realm, Attachment } from './realm.ts';
import type { Host } from './host.ts';
import type { Gateway } from './gateway.ts';
import type { Link } from './link.ts';
import { linkDropReason } from './link.ts';
import { Partitions } from './partition.ts';

/** Largest UDP payload over IPv4 (65535 − 8 UDP − 20 IP). */
export const datagram_bytes_max = 65_507;
/** Realm crossings one datagram may make before it is dropped as a routing loop. */
export const hops_max = 32;
/** Retry delay when a NAT reports an expiry it did not perform (guards against a spin). */
const nat_expiry_retry_ms = 1;

/** Sees a datagram as it enters `realm` (after the link it crossed); runtime-sim/adversary.ts. */
export type NetworkTap = (realm: Realm, src: Addr, dst: Addr, data: Uint8Array, from: string) => void;

export class Network {
  readonly partitions = new Partitions();
  private readonly pool: PacketPool;
  private idNext = 1;
  /** Observers of every datagram entering a realm (adversary hosts); empty = no cost. */
  readonly taps: NetworkTap[] = [];
  /** The only hosts allowed to send from a source they do not own (adversary hosts). */
  readonly spoofers = new Set<Host>();

  constructor(private readonly k: Kernel) {
    this.pool = new PacketPool(
      (packet) => k.reserve(EV_PACKET, packet),
      (slot) => k.release(slot),
    );
  }

  /** A machine on `host` whose primary address is `primary` sends a datagram. */
  send(host: Host, primary: Addr, tx: Transmit): void {
    const p = this.launch(host, tx.local ?? primary, tx.remote, tx.data);
    if (p === undefined) return;
    // A real kernel refuses (EADDRNOTAVAIL) a source address the host does not own, such as
    // the broadcast address a datagram arrived on; so must we, or replies would leak out
    // with impossible sources.
    const local = tx.local;
    if (local !== undefined && local !== primary && (local.port !== primary.port || local.ip !== primary.ip)) {
      if (!host.ips.includes(local.ip) || host.socket(local.ip, local.port) === undefined) {
        return this.drop(p, host.name, 'bad-source', undefined);
      }
    }
    this.crossIntoRealm(p, host.up, host.name, host.realm, host);
  }

  /** A new packet from `host`, counted and traced as sent; undefined when dropped as too large. */
  private launch(host: Host, src: Addr, dst: Addr, data: Uint8Array): Packet | undefined {
    const k = this.k;
    const p = this.pool.get();
    p.id = this.idNext++;
    p.dupOf = -1;
    p.src = src;
    p.dst = dst;
    p.data = data;
    p.corrupted = false;
    p.origin = host.name;
    p.prev = host.name;
    p.hops = 0;
    k.stats.sent++;
    if (k.tracer.on) k.tracer.send(k.now, host.name, p.id, p.src, p.dst, p.data.byteLength, classifyDatagram(p.data));
    if (p.data.byteLength > datagram_bytes_max) {
      this.drop(p, host.name, 'mtu', undefined);
      return undefined;
    }
    return p;
  }

  /**
   * An adversary host sends `data` from any source address it likes (spoofing). Gated: only a
   * host in `spoofers` may do it (Simulator.adversaryPort); returns false for any other host.
   */
  sendSpoofed(host: Host, src: Addr, dst: Addr, data: Uint8Array): boolean {
    if (!this.spoofers.has(host)) return false;
    const p = this.launch(host, src, dst, data);
    if (p !== undefined) this.crossIntoRealm(p, host.up, host.name, host.realm, host);
    return true;
  }


  /** realm.route(ip), through the sending host's one-entry cache when there is one. */
  private lookup(realm: Realm, ip: string, cache: Host | undefined): Attachment | number {
    if (cache === undefined) return realm.route(ip);
    if (cache.routeIp === ip && cache.routeVersion === routing.version) return cache.routeTo;
    const to = realm.route(ip);
    cache.routeIp = ip;
    cache.routeTo = to;
    cache.routeVersion = routing.version;
    return to;
  }

  /** A queued packet's time has come. */
  process(p: Packet): void {
    switch (p.stage) {
      case STAGE_REALM:
        return this.route(p, p.realm!);
      case STAGE_NODE:
        return this.arrive(p, p.target!);
      default:
        return this.outbound(p, p.gateway!);
    }
  }

  /** Crosses `link` (an uplink of node `from`) into `realm`; `cache` is the sending host. */
  private crossIntoRealm(p: Packet, link: Link, from: string, realm: Realm, cache?: Host): void {
    const delay_ms = this.cross(p, link, from);
    if (delay_ms < 0) return;
    if (this.taps.length > 0) for (const tap of this.taps) tap(realm, p.src, p.dst, p.data, from);
    if (delay_ms === 0) {
      const copy = link.duplicate ? this.copy(p, from) : undefined;
      this.route(p, realm, cache);
      if (copy !== undefined) this.route(copy, realm, cache);
      return;
    }
    // Look ahead: a unicast to a node whose downlink is timeless can cross it now.
    const target = this.lookup(realm, p.dst.ip, cache);
    if (typeof target === 'object' && target.down.timeless && !link.duplicate) {
      p.hops++;
      const down_ms = this.cross(p, target.down, target.name);
      if (down_ms < 0) return;
      p.stage = STAGE_NODE;
      p.target = target;
      return this.schedule(p, delay_ms + down_ms, target.down.duplicate);
    }
    p.stage = STAGE_REALM;
    p.realm = realm;
    this.schedule(p, delay_ms, link.duplicate);
  }

  /** Passes `p` through `link`; returns the delay, or -1 after tracing the drop. */
  private cross(p: Packet, link: Link, node: string): number {
    const k = this.k;
    const size = p.data.byteLength;
    const code = link.fixed_ms >= 0 && size <= link.mtu_bytes ? link.fixed_ms : link.pass(k.now, size, k.rng);
    if (code < 0) {
      this.drop(p, node, linkDropReason(code), link.name);
      return -1;
    }
    if (link.corrupt_bit >= 0) {
      const bit = link.corrupt_bit;
      const data = p.data.slice();
      data[bit >> 3] ^= 1 << (bit & 7);
      p.data = data;
      p.corrupted = true;
    }
    return code;
  }

  /** Queues `p` to reach its stage in `delay_ms`; `twice` also queues a duplicate copy. */
  private schedule(p: Packet, delay_ms: number, twice: boolean): void {
    const k = this.k;
    if (twice) {
      const copy = this.copy(p, p.prev);
      k.queue.scheduleIn(copy.slot, k.now, delay_ms);
    }
    k.queue.scheduleIn(p.slot, k.now, delay_ms);
  }

  /** A copy of `p` with a fresh id, traced as a send with dup_of by `node`. */
  private copy(p: Packet, node: string): Packet {
    const k = this.k;
    const c = this.pool.get();
    c.id = this.idNext++;
    c.dupOf = p.id;
    c.src = p.src;
    c.dst = p.dst;
    c.data = p.data.slice();
    c.corrupted = p.corrupted;
    c.origin = p.origin;
    c.prev = p.prev;
    c.hops = p.hops;
    c.stage = p.stage;
    c.realm = p.realm;
    c.target = p.target;
    c.gateway = p.gateway;
    k.stats.copies++;
    if (k.tracer.on) k.tracer.duplicate(k.now, node, c.id, p.id, c.src, c.dst, c.data.byteLength, classifyDatagram(c.data));
    return c;
  }

  /** Routes `p`, now in `realm`, towards its destination IP. */
  private route(p: Packet, realm: Realm, cache?: Host): void {
    if (++p.hops > hops_max) return this.drop(p, p.prev, 'no-route', `realm:${realm.name}`);
    const ip = p.dst.ip;
    const verdict = this.lookup(realm, ip, cache);
    if (typeof verdict === 'object') return this.crossToNode(p, verdict);
    if (verdict === VIA_GATEWAY) {
      p.gateway = realm.gateway;
      return this.outbound(p, realm.gateway!);
    }
    if (verdict === BROADCAST) return this.broadcast(p, realm);
    this.drop(p, p.prev, 'no-route', `realm:${realm.name}`);
  }

  private crossToNode(p: Packet, target: Attachment): void {
    const delay_ms = this.cross(p, target.down, target.name);
    if (delay_ms < 0) return;
    p.stage = STAGE_NODE;
    p.target = target;
    // With no delay, arrive now, except at a host while some machine is being drained: that
    // would re-enter machines from inside a drain, so the delivery waits in the queue.
    if (delay_ms === 0 && !target.down.duplicate && (target.type === 'nat' || this.k.draining === 0)) {
      return this.arrive(p, target);
    }
    this.schedule(p, delay_ms, target.down.duplicate);
  }

  /** Every other host of the realm gets its own copy; the first keeps the original id. */
  private broadcast(p: Packet, realm: Realm): void {
    const receivers: Host[] = [];
    for (const host of realm.hosts) if (host.name !== p.prev) receivers.push(host);
    if (receivers.length === 0) return this.drop(p, p.prev, 'no-route', `realm:${realm.name}`);
    const copies: Packet[] = [];
    for (let i = 1; i < receivers.length; i++) copies.push(this.copy(p, p.prev));
    this.crossToNode(p, receivers[0]!);
    for (let i = 1; i < receivers.length; i++) this.crossToNode(copies[i - 1]!, receivers[i]!);
  }

  private cut(p: Packet, node: string): boolean {
    if (this.partitions.size === 0 || !this.partitions.cuts(p.origin, p.prev, node)) return false;
    this.drop(p, node, 'partition', undefined);
    return true;
  }

  /** `p` reached `target` over its downlink. */
  private arrive(p: Packet, target: Attachment): void {
    if (this.cut(p, target.name)) return;
    if (target.type === 'host') return this.deliver(p, target);
    this.inbound(p, target);
  }

  private deliver(p: Packet, host: Host): void {
    const k = this.k;
    const driver = host.socket(p.dst.ip, p.dst.port);
    if (driver === undefined) return this.drop(p, host.name, 'port-unreachable', undefined);
    k.stats.delivered++;
    if (p.corrupted) k.stats.corrupted++;
    if (k.tracer.on) k.tracer.deliver(k.now, host.name, p.id, p.src, p.dst, p.data.byteLength, p.corrupted);
    const src = p.src;
    const dst = p.dst;
    const data = p.data;
    this.pool.put(p);
    driver.receive(src, data, dst);
  }

  /** `p` arrived at `gateway` from its inside realm. */
  private outbound(p: Packet, gateway: Gateway): void {
    const k = this.k;
    if (this.cut(p, gateway.name)) return;
    if (gateway.externalIps.has(p.dst.ip)) return this.hairpin(p, gateway);
    const verdict = gateway.box.outbound(k.now, p.src, p.dst);
    this.natEvents(gateway);
    if ('drop' in verdict) return this.drop(p, gateway.name, verdict.drop, undefined);
    const external = verdict.external;
    k.stats.nat++;
    if (k.tracer.on) k.tracer.nat(k.now, gateway.name, p.id, p.src, p.dst, external, p.dst, 'out');
    p.src = external;
    p.prev = gateway.name;
    this.crossIntoRealm(p, gateway.up, gateway.name, gateway.realm);
  }

  /** Inside → the NAT's own external address (RFC 4787 REQ-9, per the NAT's config). */
  private hairpin(p: Packet, gateway: Gateway): void {
    const k = this.k;
    const verdict = gateway.box.hairpin(k.now, p.src, p.dst);
    this.natEvents(gateway);
    if (verdict === undefined) return this.drop(p, gateway.name, 'no-route', undefined);
    if ('drop' in verdict) return this.drop(p, gateway.name, verdict.drop, undefined);
    k.stats.nat += 2;
    if (k.tracer.on) {
      k.tracer.nat(k.now, gateway.name, p.id, p.src, p.dst, verdict.external, p.dst, 'out');
      k.tracer.nat(k.now, gateway.name, p.id, verdict.external, p.dst, verdict.source, verdict.internal, 'in');
    }
    p.src = verdict.source;
    p.dst = verdict.internal;
    p.prev = gateway.name;
    this.route(p, gateway.inside);
  }

  /** `p` arrived at `gateway`'s external side from its outer realm. */
  private inbound(p: Packet, gateway: Gateway): void {
    const k = this.k;
    const verdict = gateway.box.inbound(k.now, p.dst, p.src);
    this.natEvents(gateway);
    if ('drop' in verdict) return this.drop(p, gateway.name, verdict.drop, undefined);
    k.stats.nat++;
    if (k.tracer.on) k.tracer.nat(k.now, gateway.name, p.id, p.src, p.dst, p.src, verdict.internal, 'in');
    p.dst = verdict.internal;
    p.prev = gateway.name;
    this.route(p, gateway.inside);
  }

  private drop(p: Packet, node: string, reason: string, where: string | undefined): void {
    const k = this.k;
    k.stats.countDrop(reason);
    if (k.tracer.on) k.tracer.drop(k.now, node, p.id, p.src, p.dst, p.data.byteLength, reason, where);
    this.pool.put(p);
  }

  /**
   * After every NAT call: traces its mapping events (tracing on), and keeps its expiry wake-up
   * no later than needed, so nat-expire lines carry the time the mapping really expired. The
   * wake-ups run with tracing off too, so a run's event sequence does not depend on tracing.
   */
  natEvents(gateway: Gateway): void {
    const k = this.k;
    const box = gateway.box;
    // With tracing off the box was built without events (NatBoxOptions.events = false).
    if (k.tracer.on) {
      for (let e = box.pollNatEvent(); e !== undefined; e = box.pollNatEvent()) {
        if (e.kind === 'nat-map') k.tracer.natMap(k.now, gateway.name, e.internal, e.external, e.remote);
        else k.tracer.natExpire(k.now, gateway.name, e.internal, e.external);
      }
    }
    // Refreshes only move expiries later, so only a new mapping can need an earlier wake-up.
    const created = box.counters.mappingsCreated;
    if (created !== gateway.mappingsSeen || gateway.expirySlot < 0 || !k.queue.isQueued(gateway.expirySlot)) {
      gateway.mappingsSeen = created;
      this.armExpiry(gateway);
    }
  }

  private armExpiry(gateway: Gateway): void {
    const k = this.k;
    if (gateway.expirySlot < 0) gateway.expirySlot = k.reserve(EV_NAT_EXPIRY, gateway);
    const at = gateway.box.nextExpiry();
    if (at === undefined) return;
    const when = at > k.now ? at : k.now;
    const slot = gateway.expirySlot;
    if (!k.queue.isQueued(slot) || when < k.queue.timeOf(slot)) k.queue.schedule(slot, when);
  }

  /** The expiry wake-up of `gateway` fired. */
  expire(gateway: Gateway): void {
    const k = this.k;
    gateway.box.expire(k.now);
    this.natEvents(gateway);
    // A box that still reports a due entry after expire() would spin at this instant.
    const next = gateway.box.nextExpiry();
    if (next !== undefined && next <= k.now) k.queue.schedule(gateway.expirySlot, k.now + nat_expiry_retry_ms);
  }
}
