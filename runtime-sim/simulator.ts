// The public simulator API (docs/architecture.md "runtime-sim"): build a topology of realms,
// NATs and hosts; run machines on hosts; script actions, partitions and link changes in
// virtual time; run the clock; read counters and the trace. One seeded stream drives every
// random choice: the network's stream is forked from the root first, then each NAT's in the
// order the NATs are added, so the same seed and the same script give the same trace bytes.
import { addr } from '../protocol/core/addr.ts';
import type { Addr } from '../protocol/core/addr.ts';
import type { Machine } from '../protocol/core/machine.ts';
import { NatBox, isNatPresetName, natPreset } from './nat/index.ts';
import type { NatConfig } from './nat/index.ts';
import { Kernel, EV_NAT_EXPIRY, EV_PACKET, EV_SCRIPT, EV_TIMER } from './kernel.ts';
import { events_pending_max_default } from './queue.ts';
import { Network } from './network.ts';
import type { NetworkTap } from './network.ts';
import { Realm } from './realm.ts';
import { Host } from './host.ts';
import { Gateway } from './gateway.ts';
import { Driver, events_kept_max_default } from './driver.ts';
import type { MachineHandle } from './driver.ts';
import type { LinkConfig } from './link.ts';
import { validateLinkConfig } from './link.ts';
import { Partition, validatePartition } from './partition.ts';
import type { PartitionSpec } from './partition.ts';
import { rootRng } from './random.ts';
import type { SimRng } from './random.ts';
import { Tracer } from './trace.ts';
import type { Topology, TraceSink } from './trace.ts';
import type { Packet } from './packet.ts';
import type { SimStats } from './stats.ts';

export interface SimulatorOptions {
  seed: number | string;
  /** Where trace records go; absent = tracing off (no records are even built). */
  trace?: TraceSink;
  /** Scenario name for the trace header. */
  scenario?: string;
  events_pending_max?: number;
  hosts_max?: number;
}

export interface NatSpec {
  name: string;
  preset?: string;
  config?: NatConfig;
  /** The realm the NAT's external side lives in (default: the internet). */
  realm?: Realm;
  /** Default: one address allocated from the outer realm. */
  externalIps?: string[];
  insideSubnet: string;
  /** Name of the inside realm (default `<name>-lan`). */
  insideName?: string;
  link?: LinkConfig;
}

export interface RealmSpec {
  name: string;
  subnet: string;
}

export interface HostSpec {
  name: string;
  /** Default: the internet. */
  realm?: Realm;
  /** Default: one address allocated from the realm. */
  ips?: string[];
  link?: LinkConfig;
  /** 'server' marks it as such in the trace header. */
  role?: 'host' | 'server';
}

export interface RunOptions {
  /** Bind this port on every IP of the host (default: an ephemeral port). */
  port?: number;
  /** Or bind exactly these addresses (each must be an IP of the host). */
  addresses?: Addr[];
  events_kept_max?: number;
}

/** What Simulator.adversaryPort hands an adversary host. */
export interface AdversaryPort {
  readonly host: Host;
  observe(tap: NetworkTap): void;
  inject(src: Addr, dst: Addr, data: Uint8Array): void;
}

export class SimulatorError extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'SimulatorError';
  }
}

export const hosts_max_default = 1_000_000;
export const nats_max = 100_000;
export const realms_max = 100_001;
/** Ephemeral ports handed out by run() without a port (Linux's default range starts here). */
const ephemeral_port_first = 32_768;
const ephemeral_port_last = 60_999;
/** Default bound on virtual time runUntilIdle() may advance. */
export const idle_limit_ms_default = 3_600_000;

export class Simulator {
  readonly internet: Realm;
  readonly rng: SimRng;
  private readonly k: Kernel;
  private readonly network: Network;
  private readonly tracer: Tracer;
  private readonly realms: Realm[] = [];
  private readonly gateways: Gateway[] = [];
  private readonly hosts = new Map<string, Host>();
  private readonly nodeNames = new Set<string>();
  private readonly ephemeralNext = new Map<Host, number>();
  private readonly hosts_max: number;

  constructor(readonly options: SimulatorOptions) {
    this.rng = rootRng(options.seed);
    this.tracer = new Tracer(options.trace);
    this.k = new Kernel(this.tracer, this.rng.fork('network'), options.events_pending_max ?? events_pending_max_default);
    this.network = new Network(this.k);
    this.hosts_max = options.hosts_max ?? hosts_max_default;
    this.internet = this.newRealm('internet', undefined, 0);
  }

  get now(): number {
    return this.k.now;
  }

  get stats(): SimStats {
    const stats = this.k.stats;
    stats.natMaps = 0;
    stats.natExpires = 0;
    for (const g of this.gateways) {
      stats.natMaps += g.box.counters.mappingsCreated;
      stats.natExpires += g.box.counters.mappingsExpired;
    }
    return stats;
  }

  /** Events waiting in the queue. */
  get pending(): number {
    return this.k.queue.size;
  }

  private claimName(name: string): void {
    if (this.nodeNames.has(name)) throw new SimulatorError(`node name ${JSON.stringify(name)} already used`);
    this.nodeNames.add(name);
  }

  private newRealm(name: string, subnet: string | undefined, depth: number): Realm {
    if (this.realms.length >= realms_max) throw new SimulatorError(`realms_max (${realms_max}) reached`);
    if (this.realms.some((r) => r.name === name)) throw new SimulatorError(`realm ${JSON.stringify(name)} already exists`);
    const realm = new Realm(name, subnet, depth);
    this.realms.push(realm);
    return realm;
  }

  /** A LAN with no NAT (rare; hosts in it reach only each other). */
  addRealm(spec: RealmSpec): Realm {
    return this.newRealm(spec.name, spec.subnet, 0);
  }

  realm(name: string): Realm {
    const realm = this.realms.find((r) => r.name === name);
    if (realm === undefined) throw new SimulatorError(`no realm ${JSON.stringify(name)}`);
    return realm;
  }

  addNat(spec: NatSpec): Gateway {
    if (this.gateways.length >= nats_max) throw new SimulatorError(`nats_max (${nats_max}) reached`);
    let config = spec.config;
    const preset = spec.config === undefined ? spec.preset ?? 'port-restricted-cone' : spec.preset ?? 'custom';
    if (config === undefined) {
      if (!isNatPresetName(preset)) throw new SimulatorError(`unknown NAT preset ${JSON.stringify(preset)}`);
      config = natPreset(preset);
    }
    if (spec.link) validateLinkConfig(spec.link);
    const outer = spec.realm ?? this.internet;
    this.claimName(spec.name);
    const externalIps = spec.externalIps ?? [outer.allocate()];
    const box = new NatBox(config, externalIps, this.rng.fork(`nat:${spec.name}`), spec.name, { events: this.tracer.on });
    const inside = this.newRealm(spec.insideName ?? `${spec.name}-lan`, spec.insideSubnet, outer.depth + 1);
    const gateway = new Gateway(spec.name, box, preset, externalIps, outer, inside, spec.link);
    for (const ip of externalIps) outer.attach(ip, gateway);
    inside.gateway = gateway;
    this.gateways.push(gateway);
    return gateway;
  }

  addHost(spec: HostSpec): Host {
    if (this.hosts.size >= this.hosts_max) throw new SimulatorError(`hosts_max (${this.hosts_max}) reached`);
    if (spec.link) validateLinkConfig(spec.link);
    const realm = spec.realm ?? this.internet;
    this.claimName(spec.name);
    const ips = spec.ips?.map((ip) => addr(ip, 0).ip) ?? [realm.allocate()];
    if (ips.length === 0) throw new SimulatorError(`host ${spec.name} needs an IP`);
    const host = new Host(spec.name, ips, realm, spec.link);
    if (spec.role) host.role = spec.role;
    for (const ip of ips) realm.attach(ip, host);
    realm.hosts.push(host);
    this.hosts.set(spec.name, host);
    return host;
  }

  host(name: string): Host {
    const host = this.hosts.get(name);
    if (host === undefined) throw new SimulatorError(`no host ${JSON.stringify(name)}`);
    return host;
  }

  /** Runs `machine` on `host` and drains it once (it may send at once). */
  run<C, E>(host: Host | string, machine: Machine<C, E>, options: RunOptions = {}): MachineHandle<C, E> {
    const h = typeof host === 'string' ? this.host(host) : host;
    let addresses: Addr[];
    if (options.addresses !== undefined) {
      if (options.addresses.length === 0) throw new SimulatorError('run: addresses is empty');
      addresses = options.addresses;
    } else {
      const port = options.port ?? this.ephemeralPort(h);
      addresses = h.ips.map((ip) => addr(ip, port));
    }
    const driver = new Driver<C, E>(this.k, this.network, h, machine, addresses, options.events_kept_max ?? events_kept_max_default);
    if (options.addresses !== undefined) for (const a of addresses) h.bind(a.port, a.ip, driver as Driver);
    else h.bind(addresses[0]!.port, undefined, driver as Driver);
    h.drivers.push(driver as Driver);
    driver.drain();
    return driver;
  }

  private ephemeralPort(host: Host): number {
    let port = this.ephemeralNext.get(host) ?? ephemeral_port_first;
    while (host.socket(host.ips[0]!, port) !== undefined) port++;
    if (port > ephemeral_port_last) throw new SimulatorError(`host ${host.name}: ephemeral ports exhausted`);
    this.ephemeralNext.set(host, port + 1);
    return port;
  }

  /** Calls `fn` at virtual time `ms` (now, if `ms` has passed). */
  at(ms: number, fn: () => void): void {
    if (!Number.isFinite(ms)) throw new SimulatorError(`at(${ms})`);
    const slot = this.k.reserve(EV_SCRIPT, fn);
    this.k.queue.schedule(slot, ms > this.k.now ? ms : this.k.now);
  }

  after(ms: number, fn: () => void): void {
    this.at(this.k.now + ms, fn);
  }

  /** Cuts datagrams between two sets of nodes from `from` (default now) until `until`. */
  partition(spec: PartitionSpec): Partition {
    validatePartition(spec, (name) => this.nodeNames.has(name));
    const p = new Partition(spec);
    const name = spec.name ?? 'partition';
    const start = (): void => {
      this.network.partitions.start(p);
      this.fault(name, 'start', p.detail());
    };
    // A cut that starts now applies to the very next datagram, not after queued events.
    if (spec.from === undefined || spec.from <= this.k.now) start();
    else this.at(spec.from, start);
    if (spec.until !== undefined) {
      this.at(spec.until, () => {
        if (this.network.partitions.heal(p)) this.fault(name, 'end', p.detail());
      });
    }
    return p;
  }

  /** Heals a partition now. */
  heal(p: Partition): void {
    if (this.network.partitions.heal(p)) this.fault(p.spec.name ?? 'partition', 'end', p.detail());
  }

  /** Changes the link of a host or NAT now (both directions unless one is named). */
  setLink(nodeName: string, config: LinkConfig, direction: 'both' | 'up' | 'down' = 'both'): void {
    validateLinkConfig(config);
    const node = this.hosts.get(nodeName) ?? this.gateways.find((g) => g.name === nodeName);
    if (node === undefined) throw new SimulatorError(`no node ${JSON.stringify(nodeName)}`);
    if (direction !== 'down') node.up.configure(config);
    if (direction !== 'up') node.down.configure(config);
  }

  /** Moves a host's primary IP to `newIp` in the same realm (NAT rebinding tests). */
  rebind(hostName: string, newIp: string): void {
    const host = this.host(hostName);
    const ip = addr(newIp, 0).ip;
    const old = host.ips[0]!;
    host.realm.attach(ip, host);
    host.realm.detach(old, host);
    host.ips[0] = ip;
    host.moveBindings(old, ip);
    for (const driver of host.drivers) driver.rebind(old, ip, addr);
    this.log('info', `rebind ${old} -> ${ip}`, hostName);
  }

  /**
   * Adversary hooks (runtime-sim/adversary.ts): lets host `hostName` send from any source
   * address and observe every datagram entering a realm. Only hosts named here may spoof.
   */
  adversaryPort(hostName: string): AdversaryPort {
    const host = this.host(hostName);
    const network = this.network;
    network.spoofers.add(host);
    return {
      host,
      observe: (tap) => void network.taps.push(tap),
      inject: (src, dst, data) => void network.sendSpoofed(host, src, dst, data),
    };
  }

  /** Writes a fault line (scripts use it for their own faults, e.g. a loss burst). */
  fault(name: string, state: 'start' | 'end', detail: unknown, node = 'sim'): void {
    this.k.stats.faults++;
    if (this.tracer.on) this.tracer.fault(this.k.now, node, name, state, detail);
  }

  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, node = 'sim'): void {
    this.k.stats.logs++;
    if (this.tracer.on) this.tracer.log(this.k.now, node, level, message);
  }

  /** A stats sample for charts. */
  sample(node: string, data: Record<string, number>): void {
    if (this.tracer.on) this.tracer.stats(this.k.now, node, data);
  }

  /** Runs every event up to and including virtual time `ms`; the clock ends at `ms`. */
  runUntil(ms: number): void {
    this.loop(ms);
    if (ms > this.k.now && ms !== Infinity) this.k.now = ms;
  }

  runFor(ms: number): void {
    this.runUntil(this.k.now + ms);
  }

  /**
   * Runs until nothing is pending or `limit_ms` of virtual time passed. Returns true when
   * idle (the clock then stays at the last event), false at the limit (clock at the limit).
   * NAT mapping expiries are events too: a run that made mappings is idle only once they
   * have expired (use runFor to stop earlier).
   */
  runUntilIdle(limit_ms = idle_limit_ms_default): boolean {
    const end = this.k.now + limit_ms;
    this.loop(end);
    if (this.k.queue.size === 0) return true;
    this.k.now = end;
    return false;
  }

  /** Dispatches every queued event up to `end`, in (time, insertion) order. */
  private loop(end: number): void {
    this.startTrace();
    const k = this.k;
    const q = k.queue;
    const kinds = k.kinds;
    const objects = k.objects;
    const network = this.network;
    const stats = k.stats;
    while (q.peekTime() <= end) {
      const slot = q.pop();
      k.now = q.poppedTime;
      stats.dispatched++;
      const kind = kinds[slot];
      if (kind === EV_PACKET) network.process(objects[slot] as Packet);
      else if (kind === EV_TIMER) (objects[slot] as Driver).wake();
      else if (kind === EV_SCRIPT) {
        const fn = objects[slot] as () => void;
        k.release(slot);
        fn();
      } else if (kind === EV_NAT_EXPIRY) network.expire(objects[slot] as Gateway);
    }
  }

  /** The topology for the trace header. */
  topology(): Topology {
    const nodes: Topology['nodes'] = [];
    for (const g of this.gateways) {
      nodes.push({ name: g.name, type: 'nat', preset: g.preset, outside: [...g.externalIps], inside: g.inside.name, realm: g.realm.name });
    }
    for (const h of this.hosts.values()) nodes.push({ name: h.name, type: h.role, ips: [...h.ips], realm: h.realm.name });
    const realms = this.realms.map((r) => {
      const out: Topology['realms'][number] = { name: r.name };
      if (r.subnet) out.subnet = r.subnet.text;
      if (r.gateway) out.gateway = r.gateway.name;
      return out;
    });
    return { nodes, realms };
  }

  /**
   * Writes the trace header (with the topology as it is now) and the records held since
   * construction. Every run* call does it first; call it yourself to write the header early.
   */
  startTrace(): void {
    if (this.tracer.on && !this.tracer.started) {
      this.tracer.start(this.options.scenario ?? 'adhoc', this.options.seed, this.topology());
    }
  }
}
