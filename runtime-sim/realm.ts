// An address realm: one IP routing domain, which is also a LAN broadcast domain. The public
// internet is a realm without a subnet or gateway; the inside of every NAT is a realm whose
// gateway is that NAT. A realm maps each IP to the node attached at it (a host, or the
// outside face of a NAT whose external IPs live here) and hands out host addresses.
import { Subnet } from './subnet.ts';
import type { Host } from './host.ts';
import type { Gateway } from './gateway.ts';

/** A node reachable at an IP of a realm. */
export type Attachment = Host | Gateway;

export class RealmError extends Error {
  constructor(readonly realm: string, why: string) {
    super(`realm ${realm}: ${why}`);
    this.name = 'RealmError';
  }
}

/** Where the public realm hands out addresses when a host gives none (RFC 2544 bench range). */
export const internet_pool = '198.18.0.0/15';
/** Bound on cached routing verdicts per realm (for IPs not attached to it). */
export const verdicts_cached_max = 65_536;

/** Bumped whenever any realm's attachments change, so senders' route caches know to retry. */
export const routing = { version: 0 };

/** Where a datagram to an IP that is not attached to the realm goes. */
export const VIA_GATEWAY = 1;
export const BROADCAST = 2;
export const NO_ROUTE = 3;
export const LIMITED_BROADCAST = '255.255.255.255';

/** 224.0.0.0/24 (RFC 5771 local network control block) or ff02::/16 (link-local scope). */
export function isLinkLocalMulticast(ip: string): boolean {
  return ip.startsWith('224.0.0.') || ip.toLowerCase().startsWith('ff02:');
}

export class Realm {
  /** Node at each IP of this realm. */
  readonly byIp = new Map<string, Attachment>();
  /** Hosts in attach order (broadcast fan-out order). */
  readonly hosts: Host[] = [];
  /** The NAT this realm sits behind; undefined for the public internet or a bare LAN. */
  gateway: Gateway | undefined;
  readonly subnet: Subnet | undefined;
  private readonly pool: Subnet;
  private allocNext = 0;
  /**
   * One lookup per datagram: the node at an IP, or (cached) VIA_GATEWAY / BROADCAST /
   * NO_ROUTE for IPs no node holds. Verdicts never go stale: the subnet and gateway are fixed
   * once the realm is built, and attach() overwrites a verdict cached for its IP.
   */
  readonly routes = new Map<string, Attachment | number>();
  private verdictsCached = 0;

  constructor(
    readonly name: string,
    subnet: string | undefined,
    /** Nesting depth: 0 for the internet, 1 behind one NAT, 2 behind a CGNAT... */
    readonly depth: number,
  ) {
    this.subnet = subnet === undefined ? undefined : new Subnet(subnet);
    this.pool = this.subnet ?? new Subnet(internet_pool);
  }

  /**
   * True when `ip` is a broadcast address of this realm, or a link-local multicast group
   * (224.0.0.0/24, ff02::/16: mDNS uses 224.0.0.251 and ff02::fb). Link-local multicast is
   * modelled as broadcast: every host with the port bound hears it, and no router forwards it.
   */
  isBroadcast(ip: string): boolean {
    return ip === LIMITED_BROADCAST || (this.subnet !== undefined && ip === this.subnet.broadcast) || isLinkLocalMulticast(ip);
  }

  /** True when a datagram to `ip` must stay inside (no gateway, or the IP is on this LAN). */
  isLocal(ip: string): boolean {
    return this.gateway === undefined || (this.subnet !== undefined && this.subnet.contains(ip));
  }

  /** The node at `ip`, or where a datagram to it goes: VIA_GATEWAY, BROADCAST or NO_ROUTE. */
  route(ip: string): Attachment | number {
    const known = this.routes.get(ip);
    if (known !== undefined) return known;
    const g = this.gateway;
    let v: number;
    if (this.isBroadcast(ip)) v = BROADCAST;
    else if (g !== undefined && (g.externalIps.has(ip) || !this.isLocal(ip))) v = VIA_GATEWAY;
    else v = NO_ROUTE;
    if (this.verdictsCached < verdicts_cached_max) {
      this.verdictsCached++;
      this.routes.set(ip, v);
    }
    return v;
  }

  /** The next unused host address of the pool. */
  allocate(): string {
    for (;;) {
      const ip = this.pool.hostIp(this.allocNext++);
      if (ip === undefined) throw new RealmError(this.name, `address pool ${this.pool.text} exhausted`);
      if (!this.byIp.has(ip)) return ip;
    }
  }

  attach(ip: string, node: Attachment): void {
    const present = this.byIp.get(ip);
    if (present !== undefined) throw new RealmError(this.name, `${ip} already used by ${present.name}`);
    if (this.isBroadcast(ip)) throw new RealmError(this.name, `${ip} is a broadcast address`);
    if (this.subnet !== undefined && ip.includes('.') && !this.subnet.contains(ip)) {
      throw new RealmError(this.name, `${ip} is outside ${this.subnet.text}`);
    }
    this.byIp.set(ip, node);
    this.routes.set(ip, node);
    routing.version++;
  }

  detach(ip: string, node: Attachment): void {
    if (this.byIp.get(ip) === node) {
      this.byIp.delete(ip);
      this.routes.delete(ip);
      routing.version++;
    }
  }
}
