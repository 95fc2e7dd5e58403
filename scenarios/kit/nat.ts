// NAT topologies for the echo scenarios: one NAT between a LAN and the internet (with a
// preset or a hand-written NatConfig), and public echo servers to reach through it.
import { NAT_PRESET_NAMES, natPreset, type NatConfig, type NatPresetName } from '../../runtime-sim/nat/index.ts';
import type { Simulator } from '../../runtime-sim/index.ts';
import { fixed, NAT_EXTERNAL_IP, SERVER2_IP, SERVER_IP } from './topology.ts';
import { startEchoServer, type RunningServer } from './echo.ts';

export const LAN_SUBNET = '10.0.1.0/24';
export const HOST_A_IP = '10.0.1.2';
export const HOST_B_IP = '10.0.1.3';

export type NatChoice = NatPresetName | { readonly label: string; readonly config: NatConfig };

export function natConfigOf(choice: NatChoice): NatConfig {
  return typeof choice === 'string' ? natPreset(choice) : choice.config;
}

export function natLabel(choice: NatChoice): string {
  return typeof choice === 'string' ? choice : choice.label;
}

/** A NAT named `nat` at NAT_EXTERNAL_IP (or the given IPs) with LAN_SUBNET inside. */
export function addHomeNat(sim: Simulator, choice: NatChoice, externalIps: string[] = [NAT_EXTERNAL_IP]) {
  const spec = { name: 'nat', realm: sim.internet, externalIps, insideSubnet: LAN_SUBNET, link: fixed(5) };
  return typeof choice === 'string'
    ? sim.addNat({ ...spec, preset: choice })
    : sim.addNat({ ...spec, preset: choice.label, config: choice.config });
}

export interface PublicServers {
  /** Echo server on SERVER_IP:7. */
  readonly s1: RunningServer;
  /** A second echo server on the same IP, port 8 (same address, other port). */
  readonly s1b: RunningServer;
  /** Echo server on SERVER2_IP:7 (another address). */
  readonly s2: RunningServer;
  readonly s1Host: ReturnType<Simulator['addHost']>;
  readonly s2Host: ReturnType<Simulator['addHost']>;
}

export function addPublicServers(sim: Simulator): PublicServers {
  const s1Host = sim.addHost({ name: 's1', realm: sim.internet, ips: [SERVER_IP], link: fixed(10), role: 'server' });
  const s2Host = sim.addHost({ name: 's2', realm: sim.internet, ips: [SERVER2_IP], link: fixed(10), role: 'server' });
  return {
    s1: startEchoServer(sim, s1Host, SERVER_IP, 7),
    s1b: startEchoServer(sim, s1Host, SERVER_IP, 8),
    s2: startEchoServer(sim, s2Host, SERVER2_IP, 7),
    s1Host,
    s2Host,
  };
}

export interface HomeWithServers {
  readonly nat: ReturnType<typeof addHomeNat>;
  readonly servers: PublicServers;
  /** Host `a` on the home LAN at HOST_A_IP, 1 ms from the NAT. */
  readonly a: ReturnType<Simulator['addHost']>;
}

/** The usual NAT echo topology, built in this order: the home NAT, the public servers, host `a`. */
export function homeWithServers(sim: Simulator, choice: NatChoice, externalIps?: string[]): HomeWithServers {
  const nat = addHomeNat(sim, choice, externalIps);
  const servers = addPublicServers(sim);
  const a = sim.addHost({ name: 'a', realm: nat.inside, ips: [HOST_A_IP], link: fixed(1) });
  return { nat, servers, a };
}

/** Every preset that is one box between a LAN and the internet (cgnat is chained separately). */
export const SINGLE_NAT_PRESETS: readonly NatPresetName[] = NAT_PRESET_NAMES.filter((name) => name !== 'cgnat');
