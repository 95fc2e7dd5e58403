// Shared set-up of the discovery scenarios: a peerlab peer's LAN presence on a simulated host
// (an mDNS/DNS-SD node on 5353 and a peerpy-style pinger), with every event time-stamped.
import { addr, type Addr } from '../../protocol/core/addr.ts';
import { hex } from '../../protocol/core/bytes.ts';
import type { Rng } from '../../protocol/core/rng.ts';
import { LanPinger, type LanPingerCommand, type LanPingerEvent } from '../../protocol/discovery/lan-pinger.ts';
import { MDNS_GROUP_V4, MDNS_PORT, type MdnsCommand, type MdnsEvent } from '../../protocol/discovery/mdns-config.ts';
import { MdnsNode } from '../../protocol/discovery/mdns-node.ts';
import type { MachineHandle, Simulator } from '../../runtime-sim/index.ts';

/** The UDP port every simulated peer listens on (its secure transport). */
export const PEER_PORT = 7000;
/** Our pinger port (peerpy used 1024; any fixed port shared by the LAN works). */
export const PINGER_PORT = 4354;

type SimHost = Parameters<Simulator['run']>[0];

export interface LanPresence {
  readonly name: string;
  readonly ip: string;
  readonly key_hex: string;
  readonly mdns: MdnsNode;
  readonly mdnsHandle: MachineHandle<MdnsCommand, MdnsEvent>;
  readonly pinger: MachineHandle<LanPingerCommand, LanPingerEvent>;
  /** Every mDNS event with the virtual time it surfaced. */
  readonly timed: Array<{ readonly t: number; readonly event: MdnsEvent }>;
}

export interface PresenceOptions {
  readonly instance?: string;
  readonly invisible?: boolean;
  readonly key_hex?: string;
  readonly broadcast?: string;
}

/** Starts mDNS (publish unless invisible, always browse) and the pinger on `host`. */
export function startPresence(sim: Simulator, host: SimHost, name: string, ip: string, rng: Rng, options: PresenceOptions = {}): LanPresence {
  const key_hex = options.key_hex ?? hex(rng.nextBytes(32));
  const own: Addr = addr(ip, MDNS_PORT);
  const mdns = new MdnsNode(
    {
      group: MDNS_GROUP_V4,
      own_addrs: [own],
      browse: true,
      ...(options.invisible
        ? {}
        : { service: { instance: options.instance ?? `peerlab ${name}`, host: `peerlab-${key_hex.slice(0, 12)}`, port: PEER_PORT, ips: [ip], key_hex, protocols: ['rudp', 'typed'] } }),
    },
    rng,
  );
  const mdnsHandle = sim.run<MdnsCommand, MdnsEvent>(host, mdns, { port: MDNS_PORT });
  const timed: Array<{ t: number; event: MdnsEvent }> = [];
  mdnsHandle.onEvent((event) => timed.push({ t: sim.now, event }));
  const pinger = sim.run<LanPingerCommand, LanPingerEvent>(
    host,
    new LanPinger({ peer: addr(ip, PEER_PORT), broadcast: addr(options.broadcast ?? '255.255.255.255', PINGER_PORT), invisible: options.invisible ?? false }, rng),
    { port: PINGER_PORT },
  );
  return { name, ip, key_hex, mdns, mdnsHandle, pinger, timed };
}

/** Has `p` seek (PING its LAN) at `at_ms`; the returned box then holds its last local-peers answer. */
export function seekAt(sim: Simulator, p: LanPresence, at_ms: number): { peers: readonly string[] } {
  const answer: { peers: readonly string[] } = { peers: [] };
  p.pinger.onEvent((e) => {
    if (e.type === 'local-peers') answer.peers = e.peers;
  });
  sim.at(at_ms, () => p.pinger.command({ type: 'seek' }));
  return answer;
}

/** When `p` first had `count` peers in its list (from its found/lost events), or -1. */
export function timeToCount(p: LanPresence, count: number): number {
  const live = new Set<string>();
  for (const { t, event } of p.timed) {
    if (event.type === 'peer-found') live.add(event.peer.instance);
    if (event.type === 'peer-lost') live.delete(event.instance);
    if (live.size >= count) return t;
  }
  return -1;
}
