// A host: a node with one or more IPs in one realm, attached through one link (uplink and
// downlink), and sockets by port. A socket is a driver (a machine) bound either to a port on
// every IP of the host or to specific ip:port addresses.
import { Link } from './link.ts';
import type { LinkConfig } from './link.ts';
import type { Attachment, Realm } from './realm.ts';
import type { Driver } from './driver.ts';

export class SocketError extends Error {
  constructor(readonly host: string, why: string) {
    super(`host ${host}: ${why}`);
    this.name = 'SocketError';
  }
}

/** Bound on sockets (bound ports) per host. */
export const sockets_per_host_max = 1024;

/** What is bound to one port of a host. */
interface PortBinding {
  /** Bound on every IP of the host. */
  any: Driver | undefined;
  /** Bound on one IP only. */
  byIp: Map<string, Driver> | undefined;
}

export class Host {
  readonly type = 'host' as const;
  readonly up: Link;
  readonly down: Link;
  private readonly ports = new Map<number, PortBinding>();
  /** Machines running on this host, in start order. */
  readonly drivers: Driver[] = [];
  /**
   * The route of this host's last destination IP in its realm, reused while routing.version
   * is unchanged: a host mostly talks to the same peer, and its realm's table is cold.
   */
  routeIp: string | undefined;
  routeTo: Attachment | number = 0;
  routeVersion = -1;
  /** 'server' marks a host running a server machine in the trace header. */
  role: 'host' | 'server' = 'host';

  constructor(
    readonly name: string,
    readonly ips: string[],
    public realm: Realm,
    link?: LinkConfig,
  ) {
    this.up = new Link(`up:${name}`, link);
    this.down = new Link(`down:${name}`, link);
  }

  /** The one port bound on every IP, when the host has exactly one socket (a fast path). */
  private solePort = -1;
  private soleDriver: Driver | undefined;

  /** The driver that receives datagrams to ip:port, if any. */
  socket(ip: string, port: number): Driver | undefined {
    if (port === this.solePort) return this.soleDriver;
    const binding = this.ports.get(port);
    if (binding === undefined) return undefined;
    if (binding.byIp !== undefined) {
      const exact = binding.byIp.get(ip);
      if (exact !== undefined) return exact;
    }
    return binding.any;
  }

  /** Binds `driver` to `port` on every IP (ip undefined) or on one IP. */
  bind(port: number, ip: string | undefined, driver: Driver): void {
    let binding = this.ports.get(port);
    if (binding === undefined) {
      if (this.ports.size >= sockets_per_host_max) throw new SocketError(this.name, `sockets_per_host_max (${sockets_per_host_max}) reached`);
      binding = { any: undefined, byIp: undefined };
      this.ports.set(port, binding);
    }
    if (ip === undefined) {
      if (binding.any !== undefined || (binding.byIp?.size ?? 0) > 0) throw new SocketError(this.name, `port ${port} in use`);
      binding.any = driver;
      this.updateSole();
      return;
    }
    if (!this.ips.includes(ip)) throw new SocketError(this.name, `${ip} is not an address of this host`);
    binding.byIp ??= new Map();
    if (binding.any !== undefined || binding.byIp.has(ip)) throw new SocketError(this.name, `${ip}:${port} in use`);
    binding.byIp.set(ip, driver);
    this.updateSole();
  }

  private updateSole(): void {
    this.solePort = -1;
    this.soleDriver = undefined;
    if (this.ports.size !== 1) return;
    for (const [port, binding] of this.ports) {
      if (binding.any !== undefined && binding.byIp === undefined) {
        this.solePort = port;
        this.soleDriver = binding.any;
      }
    }
  }

  /** Moves a specific binding from one IP to another (rebinding). */
  moveBindings(fromIp: string, toIp: string): void {
    for (const binding of this.ports.values()) {
      const driver = binding.byIp?.get(fromIp);
      if (driver === undefined) continue;
      binding.byIp!.delete(fromIp);
      binding.byIp!.set(toIp, driver);
    }
  }
}
