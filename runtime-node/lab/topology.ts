// A lab topology as data (NATs, hosts, the public servers) and the code that builds it out of
// namespaces, veths, bridges and nftables. The same data builds the simulator's mirror of the
// case (sim-mirror.ts), so the two worlds are compared on one description.
import { LabNetwork } from './namespaces.ts';
import { natRuleset, type LabNatKind } from './nat-rules.ts';

export interface LabNatSpec {
  readonly name: string;
  readonly kind: LabNatKind;
  /** 'internet' or the name of the NAT this one sits behind (CGNAT). */
  readonly parent: string;
  /** Outside address and prefix length on the parent's network. */
  readonly wanIp: string;
  readonly wanPrefix: number;
  /** Default gateway on the parent's network. */
  readonly gateway: string;
  /** Inside address and prefix, e.g. 10.0.1.1/24. */
  readonly lanIp: string;
  readonly lanPrefix: number;
}

export interface LabHostSpec {
  readonly name: string;
  readonly ip: string;
  /** The NAT whose LAN the host is on. */
  readonly nat: string;
}

export interface LabTopologySpec {
  readonly nats: readonly LabNatSpec[];
  readonly hosts: readonly LabHostSpec[];
}

/** The public side: one "internet" namespace routing between the two documentation ranges. */
export const INTERNET = {
  nets: [
    { gateway: '203.0.113.1', prefix: 24 },
    { gateway: '198.51.100.1', prefix: 24 },
  ],
  /** coturn (STUN/TURN) and the peerlab rendezvous run here, in the internet namespace. */
  serverIp: '203.0.113.1',
  coturnPort: 3478,
  rendezvousPort: 7000,
  /** The rendezvous's RFC 5780 alternate (`--alternate`): a second IP and another port. */
  alternateIp: '203.0.113.2',
  rendezvousAltPort: 7001,
} as const;

export interface BuiltLab {
  readonly internet: string;
  /** namespace of each NAT router and host by spec name */
  readonly namespaces: ReadonlyMap<string, string>;
}

export async function buildTopology(net: LabNetwork, spec: LabTopologySpec): Promise<BuiltLab> {
  const namespaces = new Map<string, string>();
  const internet = await net.addNamespace('inet', { forwarding: true });
  await net.bridge(internet, 'br0');
  for (const n of INTERNET.nets) await net.address(internet, 'br0', `${n.gateway}/${n.prefix}`);
  await net.address(internet, 'br0', `${INTERNET.alternateIp}/${INTERNET.nets[0].prefix}`);
  // Parents before children: a CGNAT's home router attaches to the CGNAT's LAN bridge.
  const pending = [...spec.nats];
  const lanOf = (parent: string): { namespace: string; bridge: string } | undefined =>
    parent === 'internet' ? { namespace: internet, bridge: 'br0' } : namespaces.has(parent) ? { namespace: namespaces.get(parent)!, bridge: 'lan' } : undefined;
  while (pending.length > 0) {
    const index = pending.findIndex((nat) => lanOf(nat.parent) !== undefined);
    if (index < 0) throw new Error(`lab topology: NAT parents missing for ${pending.map((n) => n.name).join(', ')}`);
    const nat = pending.splice(index, 1)[0]!;
    const parent = lanOf(nat.parent)!;
    const ns = await net.addNamespace(nat.name, { forwarding: true });
    namespaces.set(nat.name, ns);
    const far = net.ifname('w');
    await net.link(ns, 'wan', parent.namespace, far);
    await net.enslave(parent.namespace, far, parent.bridge);
    await net.address(ns, 'wan', `${nat.wanIp}/${nat.wanPrefix}`);
    await net.defaultRoute(ns, nat.gateway);
    await net.bridge(ns, 'lan');
    await net.address(ns, 'lan', `${nat.lanIp}/${nat.lanPrefix}`);
    const fullConeHost = spec.hosts.find((h) => h.nat === nat.name)?.ip;
    await net.nft(ns, natRuleset(nat.kind, { dnatTo: fullConeHost, wanIp: nat.wanIp }));
  }
  for (const host of spec.hosts) {
    const router = spec.nats.find((n) => n.name === host.nat);
    if (!router) throw new Error(`lab topology: host ${host.name} behind unknown NAT ${host.nat}`);
    const ns = await net.addNamespace(host.name);
    namespaces.set(host.name, ns);
    const far = net.ifname('h');
    await net.link(ns, 'eth0', namespaces.get(router.name)!, far);
    await net.enslave(namespaces.get(router.name)!, far, 'lan');
    await net.address(ns, 'eth0', `${host.ip}/${router.lanPrefix}`);
    await net.defaultRoute(ns, router.lanIp);
  }
  return { internet, namespaces };
}

/** NAT spec helper: a router on the internet bridge (203.0.113.x or 198.51.100.x). */
export function publicNat(name: string, kind: LabNatKind, wanIp: string, lanNet: number): LabNatSpec {
  const gateway = wanIp.startsWith('203.0.113.') ? '203.0.113.1' : '198.51.100.1';
  return { name, kind, parent: 'internet', wanIp, wanPrefix: 24, gateway, lanIp: `10.0.${lanNet}.1`, lanPrefix: 24 };
}
