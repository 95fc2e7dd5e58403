// Small topologies the echo scenarios share. Addresses come from the documentation ranges
// (RFC 5737) so traces read like the lab's: servers in 198.51.100.0/24, NAT outsides in
// 203.0.113.0/24, LANs in 10.x.
import type { Simulator } from '../../runtime-sim/index.ts';
import type { LinkConfig } from '../../runtime-sim/link.ts';

type SimHost = Parameters<Simulator['run']>[0];

export const SERVER_IP = '198.51.100.7';
export const SERVER2_IP = '198.51.100.8';
export const PUBLIC_CLIENT_IP = '198.51.100.20';
export const NAT_EXTERNAL_IP = '203.0.113.10';
export const NAT_EXTERNAL_IP2 = '203.0.113.11';
export const CGN_EXTERNAL_IP = '203.0.113.100';

export interface PublicPair {
  readonly client: SimHost;
  readonly server: SimHost;
}

/** A client and a server, both on the internet, each with its own link. */
export function publicPair(sim: Simulator, clientLink: LinkConfig = {}, serverLink: LinkConfig = {}): PublicPair {
  const server = sim.addHost({ name: 'server', realm: sim.internet, ips: [SERVER_IP], link: serverLink, role: 'server' });
  const client = sim.addHost({ name: 'client', realm: sim.internet, ips: [PUBLIC_CLIENT_IP], link: clientLink });
  return { client, server };
}

/** A fixed one-way latency per link crossing. */
export function fixed(ms: number): LinkConfig {
  return { latency: { kind: 'fixed', ms } };
}
