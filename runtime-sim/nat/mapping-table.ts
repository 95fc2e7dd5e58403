// The NAT's state: mappings (internal endpoint -> external endpoint), the sessions (flows,
// one per internal endpoint and remote endpoint) that keep them alive and carry filtering
// permission, and conntrack entries made by unsolicited inbound datagrams. The table is
// bounded by `sessions_max` (sessions + conntrack entries; every mapping has at least one
// session, so mappings are bounded too) and expires entries in deadline order.
//
// Lookups are nested Maps keyed by the IP text then the port number: IP strings come from
// the caller's Addr objects, whose hash V8 caches, so a hit costs a few hash probes and no
// allocation. Policy (which mapping a flow uses, what filtering admits) lives in NatBox.
import type { Addr } from '../../protocol/core/addr.ts';
import type { Millis } from '../../protocol/core/time.ts';
import { ExpiryQueue } from './expiry-queue.ts';

/**
 * What a mapping is shared by: every flow of its internal endpoint (`endpoint`), flows to one
 * remote IP (`address`), to one remote ip:port (`address-and-port`), or a single flow moved
 * off its natural port by a conntrack clash (`flow`).
 */
export type MappingScope = 'endpoint' | 'address' | 'address-and-port' | 'flow';

/** Index of ports under their IP text: a two-level map used for endpoints and remotes. */
type ByIpPort<V> = Map<string, Map<number, V>>;

function getByIpPort<V>(map: ByIpPort<V>, a: Addr): V | undefined {
  return map.get(a.ip)?.get(a.port);
}

function setByIpPort<V>(map: ByIpPort<V>, a: Addr, value: V): void {
  let byPort = map.get(a.ip);
  if (byPort === undefined) {
    byPort = new Map();
    map.set(a.ip, byPort);
  }
  byPort.set(a.port, value);
}

function deleteByIpPort<V>(map: ByIpPort<V>, a: Addr): void {
  const byPort = map.get(a.ip);
  if (byPort === undefined) return;
  byPort.delete(a.port);
  if (byPort.size === 0) map.delete(a.ip);
}

/** One internal ip:port and the mappings and sessions it owns. */
export class InternalEndpoint {
  /** The endpoint-independent mapping, when mapping is EIM. */
  eim: Mapping | undefined = undefined;
  /** Address-dependent mappings by remote IP, when mapping is ADM. */
  byRemoteIp: Map<string, Mapping> | undefined = undefined;
  readonly sessions: ByIpPort<Session> = new Map();
  sessionCount = 0;
  constructor(readonly addr: Addr) {}
}

export class Mapping {
  /** Live sessions using this mapping; it is removed when this reaches 0. */
  sessionCount = 0;
  /**
   * Sessions per remote IP, kept only for address-dependent filtering (the only question
   * the endpoint's own session index cannot answer in O(1)).
   */
  ipRefs: Map<string, number> | undefined = undefined;
  /** Preallocated results so a translation on the hot path allocates nothing. */
  readonly outResult: { readonly external: Addr };
  readonly inResult: { readonly internal: Addr };
  constructor(
    readonly endpoint: InternalEndpoint,
    readonly external: Addr,
    /** ipIndex * 65536 + port: the key of the external endpoint on this box. */
    readonly externalKey: number,
    readonly ipIndex: number,
    readonly scope: MappingScope,
    /** The remote that created it; its IP (address) or ip:port (address-and-port, flow) bounds its use. */
    readonly remote: Addr,
  ) {
    this.outResult = Object.freeze({ external });
    this.inResult = Object.freeze({ internal: endpoint.addr });
  }
  get internal(): Addr {
    return this.endpoint.addr;
  }
}

/** A flow: an internal endpoint talking to one remote endpoint through a mapping. */
export class Session {
  readonly kind = 'session' as const;
  /** Set once a datagram of the flow has come in, so the stream timeout applies. */
  twoWay = false;
  constructor(readonly mapping: Mapping, readonly remote: Addr, public expiresAt: Millis) {}
}

/** Linux conntrack entry made by an unsolicited inbound datagram (remote -> our external:port). */
export class ConntrackEntry {
  readonly kind = 'conntrack' as const;
  constructor(readonly key: string, public expiresAt: Millis) {}
}

type Entry = Session | ConntrackEntry;

/** Key of a conntrack tuple: our external endpoint and the remote endpoint. */
export function conntrackKey(externalKey: number, remote: Addr): string {
  return `${externalKey}|${remote.ip}|${remote.port}`;
}

export class MappingTable {
  private readonly endpoints: ByIpPort<InternalEndpoint> = new Map();
  private readonly byExternal = new Map<number, Mapping>();
  /** Made on first use: only Linux-like boxes ever hold conntrack entries. */
  private conntrack: Map<string, ConntrackEntry> | undefined = undefined;
  private readonly queue = new ExpiryQueue<Entry>();
  private sessionTotal = 0;

  constructor(
    readonly sessionsMax: number,
    /** Keep per-mapping remote-IP counts (address-dependent filtering needs them). */
    private readonly trackRemoteIps: boolean,
    /** Told of each mapping removed by expiry (and when it expired), after it left every index. */
    private readonly onMappingExpired: (mapping: Mapping, at: Millis) => void,
  ) {}

  /** Sessions plus conntrack entries: what sessions_max bounds. */
  get size(): number {
    return this.sessionTotal + (this.conntrack?.size ?? 0);
  }

  get full(): boolean {
    return this.size >= this.sessionsMax;
  }

  get mappingCount(): number {
    return this.byExternal.size;
  }

  get sessionCount(): number {
    return this.sessionTotal;
  }

  get conntrackCount(): number {
    return this.conntrack?.size ?? 0;
  }

  endpoint(internal: Addr): InternalEndpoint | undefined {
    return getByIpPort(this.endpoints, internal);
  }

  endpointOrNew(internal: Addr): InternalEndpoint {
    let ep = getByIpPort(this.endpoints, internal);
    if (ep === undefined) {
      ep = new InternalEndpoint(internal);
      setByIpPort(this.endpoints, internal, ep);
    }
    return ep;
  }

  sessionOf(ep: InternalEndpoint, remote: Addr): Session | undefined {
    return getByIpPort(ep.sessions, remote);
  }

  /** The session of `mapping` with exactly `remote`, if any. */
  mappingSession(mapping: Mapping, remote: Addr): Session | undefined {
    // An endpoint has one session per remote; it may belong to another of its mappings.
    const session = getByIpPort(mapping.endpoint.sessions, remote);
    return session !== undefined && session.mapping === mapping ? session : undefined;
  }

  /** Whether `mapping` has a session with any port of `remoteIp` (needs trackRemoteIps). */
  mappingHasRemoteIp(mapping: Mapping, remoteIp: string): boolean {
    return mapping.ipRefs?.has(remoteIp) ?? false;
  }

  mappingAt(externalKey: number): Mapping | undefined {
    return this.byExternal.get(externalKey);
  }

  portTaken(externalKey: number): boolean {
    return this.byExternal.has(externalKey);
  }

  conntrackEntry(key: string): ConntrackEntry | undefined {
    return this.conntrack?.get(key);
  }

  /** Registers a mapping. The caller adds its first session at once (mappings never sit empty). */
  addMapping(ep: InternalEndpoint, external: Addr, externalKey: number, ipIndex: number, scope: MappingScope, remote: Addr): Mapping {
    const mapping = new Mapping(ep, external, externalKey, ipIndex, scope, remote);
    this.byExternal.set(externalKey, mapping);
    if (scope === 'endpoint') ep.eim = mapping;
    else if (scope === 'address') (ep.byRemoteIp ??= new Map()).set(remote.ip, mapping);
    return mapping;
  }

  addSession(mapping: Mapping, remote: Addr, expiresAt: Millis): Session {
    const session = new Session(mapping, remote, expiresAt);
    mapping.sessionCount++;
    if (this.trackRemoteIps) {
      const refs = (mapping.ipRefs ??= new Map());
      refs.set(remote.ip, (refs.get(remote.ip) ?? 0) + 1);
    }
    setByIpPort(mapping.endpoint.sessions, remote, session);
    mapping.endpoint.sessionCount++;
    this.sessionTotal++;
    this.queue.push(session, expiresAt);
    return session;
  }

  addConntrack(key: string, expiresAt: Millis): ConntrackEntry {
    const entry = new ConntrackEntry(key, expiresAt);
    (this.conntrack ??= new Map()).set(key, entry);
    this.queue.push(entry, expiresAt);
    return entry;
  }

  /** Earliest time at which expire() may remove something; Infinity when empty. A lower bound. */
  get dueAt(): Millis {
    return this.queue.peekDeadline();
  }

  /** Removes every entry whose expiresAt <= now, in deadline order. */
  expire(now: Millis): void {
    const queue = this.queue;
    for (let deadline = queue.peekDeadline(); deadline <= now; deadline = queue.peekDeadline()) {
      const entry = queue.pop()!;
      if (entry.expiresAt !== deadline) {
        // Refreshed since it was queued: requeue at its real time, so entries still expire
        // in time order even when this call is late.
        queue.push(entry, entry.expiresAt);
        continue;
      }
      if (entry.kind === 'session') this.removeSession(entry);
      else this.conntrack?.delete(entry.key);
    }
  }

  /** The exact time of the next expiry, or undefined when the table is empty. */
  nextExpiry(): Millis | undefined {
    const queue = this.queue;
    for (;;) {
      const entry = queue.peekItem();
      if (entry === undefined) return undefined;
      const deadline = queue.peekDeadline();
      if (entry.expiresAt === deadline) return deadline;
      queue.pop();
      queue.push(entry, entry.expiresAt);
    }
  }

  private removeSession(session: Session): void {
    const mapping = session.mapping;
    const ep = mapping.endpoint;
    mapping.sessionCount--;
    const refs = mapping.ipRefs;
    if (refs !== undefined) {
      const count = refs.get(session.remote.ip)! - 1;
      if (count === 0) refs.delete(session.remote.ip);
      else refs.set(session.remote.ip, count);
    }
    deleteByIpPort(ep.sessions, session.remote);
    ep.sessionCount--;
    this.sessionTotal--;
    if (mapping.sessionCount === 0) {
      this.byExternal.delete(mapping.externalKey);
      if (ep.eim === mapping) ep.eim = undefined;
      else if (mapping.scope === 'address' && ep.byRemoteIp?.get(mapping.remote.ip) === mapping) {
        ep.byRemoteIp.delete(mapping.remote.ip);
      }
      this.onMappingExpired(mapping, session.expiresAt);
    }
    if (ep.sessionCount === 0) deleteByIpPort(this.endpoints, ep.addr);
  }
}
