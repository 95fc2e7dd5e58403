// The nat-matrix world: a rendezvous server with two public IPs x two ports (so RFC 5780
// classification works) and two peers, each behind its own NAT of a given preset ('cgnat' is a
// home port-restricted router inside a carrier NAT, NAT444). Peers get 256 spare sockets for
// birthday probing. Also builds the same-LAN and shared-CGN (hairpin) variants, and the
// overlapping-LAN one: two homes behind one carrier NAT whose LANs use the same addresses and
// ports (each peer's host candidate is the other's own address).
// With `session` each peer is a full Peer (punch client + Noise transport, relay first): the
// initiator writes FIRST_BYTES as soon as its session opens and the world records when the
// acceptor's application reads them (time to first byte).
import { addr, type Addr } from '../../protocol/core/addr.ts';
import { Peer as PeerMachine, type PeerCommand, type PeerEvent } from '../../protocol/peer/peer.ts';
import { PunchClient, type PunchCommand } from '../../protocol/punch/punch-client.ts';
import type { PunchEvent } from '../../protocol/punch/punch-events.ts';
import type { RudpEvent } from '../../protocol/rudp/events.ts';
import { nodeCrypto } from '../../runtime-node/node-crypto.ts';
import { RendezvousServer, type RendezvousServerConfig, type RendezvousServerEvent } from '../../protocol/punch/rendezvous-server.ts';
import type { PunchClientConfig } from '../../protocol/punch/punch-config.ts';
import type { LinkConfig, Simulator } from '../../runtime-sim/index.ts';
import type { NatPresetName } from '../../runtime-sim/nat/presets.ts';
import { utf8 } from '../../protocol/core/bytes.ts';

export const SERVER_IPS = ['198.51.100.7', '198.51.100.8'] as const;
export const STUN_PORT = 3478;
export const STUN_ALT_PORT = 3479;
export const PEER_PORT = 5000;
/** Spare sockets per peer for the hard side of birthday probing (Tailscale's figure, nat.md 2.2). */
export const SPARE_PORTS = 256;
export const SPARE_PORT_FIRST = 40_000;
/** One-way latencies: LAN hop, access link of a NAT, server link. RTT peer<->server = 2*(2+10+10) ms. */
export const LAN_MS = 2;
export const ACCESS_MS = 10;
export const SERVER_MS = 10;
/** Direct peer<->peer RTT through two access links: 2 * (2 + 10 + 10 + 2) ms. */
export const DIRECT_RTT_MS = 2 * (LAN_MS + ACCESS_MS + ACCESS_MS + LAN_MS);
/** Relayed peer<->peer RTT: peer -> server -> peer and back, 2 * 2 * (2 + 10 + 10) ms. */
export const RELAY_RTT_MS = 4 * (LAN_MS + ACCESS_MS + SERVER_MS);
/** What the initiator's application sends first (an 8-byte hello). */
export const FIRST_BYTES = utf8('hello-b!');

export type PeerPlace = NatPresetName;

export interface Peer {
  readonly name: string;
  readonly client: PunchClient;
  readonly events: Array<{ t: number; event: PunchEvent }>;
  command(c: PunchCommand): void;
  /** With `session`: the Peer machine and its session milestones. */
  readonly session?: SessionSide;
}

export interface SessionSide {
  readonly peer: PeerMachine;
  /** The transport's events (connected, path-changed, ...), timed. */
  readonly transport: Array<{ t: number; event: RudpEvent }>;
  /** When `session-open` came, when the first application bytes were read (acceptor). */
  openAt?: number;
  firstByteAt?: number;
  /** Bytes the acceptor's application read. */
  received: number;
}

export interface World {
  readonly server: RendezvousServer;
  readonly serverEvents: Array<{ t: number; event: RendezvousServerEvent }>;
  readonly a: Peer;
  readonly b: Peer;
}

export interface WorldOptions {
  readonly loss: number;
  /** 'pair': each peer behind its own NAT; 'same-lan': both behind one NAT; 'same-cgn': own home NATs inside one carrier NAT. */
  readonly layout?: 'pair' | 'same-lan' | 'same-cgn' | 'overlap-lan';
  /** Run full Peers (punch + secure session, relay first) and time the first application byte. */
  readonly session?: boolean;
  /** Peer settings beyond the defaults (session worlds only). */
  readonly peer?: { readonly relay_first?: boolean; readonly answer_on_arrival?: boolean };
  readonly client?: Partial<PunchClientConfig>;
  /** Cut the two peers off from each other (not from the server) until this virtual time. */
  readonly cut_until_ms?: number;
  /** Rendezvous server settings (defaults otherwise). */
  readonly server?: Partial<RendezvousServerConfig>;
}

function link(ms: number, loss = 0): LinkConfig {
  return loss > 0 ? { latency: { kind: 'fixed', ms }, loss: { kind: 'bernoulli', p: loss } } : { latency: { kind: 'fixed', ms } };
}

type Realm = Simulator['internet'];

/** Puts a NAT of `preset` (two levels for cgnat) on `outer`; returns the realm behind it. */
function natFor(sim: Simulator, name: string, preset: NatPresetName, index: number, outer: Realm): Realm {
  if (preset === 'cgnat') {
    const cgn = sim.addNat({ name: `${name}-cgn`, preset: 'cgnat', realm: outer, externalIps: [`203.0.113.${100 + index}`], insideSubnet: `100.64.${index}.0/24`, link: link(ACCESS_MS / 2) });
    const home = sim.addNat({ name: `${name}-home`, preset: 'port-restricted-cone', realm: cgn.inside, insideSubnet: `10.0.${index}.0/24`, link: link(ACCESS_MS / 2) });
    return home.inside;
  }
  const nat = sim.addNat({ name: `${name}-nat`, preset, realm: outer, externalIps: [`203.0.113.${10 + index}`], insideSubnet: `10.0.${index}.0/24`, link: link(ACCESS_MS) });
  return nat.inside;
}

function isPunchEvent(event: PeerEvent): event is PunchEvent {
  return !('conn' in event) && event.type !== 'session-open' && event.type !== 'peer-drop';
}

function startSessionPeer(sim: Simulator, name: string, host: ReturnType<Simulator['addHost']>, local: Addr, spares: Addr[], server: Addr, extra: Partial<PunchClientConfig>, options: WorldOptions): Peer {
  const initiator = extra.connect_to !== undefined;
  const peer = new PeerMachine({
    id: name, token: sim.rng.nextBytes(16), server, local, ...(initiator ? { connect_to: extra.connect_to } : {}),
    punch: { ...extra, spares }, staticSecret: sim.rng.fork(`key:${name}`).nextBytes(32), crypto: nodeCrypto, rng: sim.rng.fork(`punch:${name}`),
    ...options.peer,
  });
  const handle = sim.run<PeerCommand, PeerEvent>(host, peer, { addresses: [local, ...spares] });
  const events: Array<{ t: number; event: PunchEvent }> = [];
  const side: SessionSide = { peer, transport: [], received: 0 };
  handle.onEvent((event) => {
    if (isPunchEvent(event)) events.push({ t: sim.now, event });
    else if (event.type === 'session-open') {
      side.openAt ??= sim.now;
      // The client speaks first, as soon as it can (TLS 1.3 / QUIC 1-RTT style).
      if (initiator) handle.command({ type: 'write', data: FIRST_BYTES });
    } else if (event.type !== 'peer-drop') {
      side.transport.push({ t: sim.now, event });
      if (event.type === 'readable' && !initiator && side.received < FIRST_BYTES.byteLength) {
        // The hello only: whatever follows is left for the caller's own application.
        handle.act(() => {
          for (let chunk = peer.read(FIRST_BYTES.byteLength - side.received); chunk; chunk = side.received < FIRST_BYTES.byteLength ? peer.read(FIRST_BYTES.byteLength - side.received) : undefined) {
            side.firstByteAt ??= sim.now;
            side.received += chunk.byteLength;
          }
        });
      }
    }
  });
  return { name, client: peer.punch, events, command: (c) => handle.command(c as PeerCommand), session: side };
}

function startPeer(sim: Simulator, name: string, realm: Realm, ip: string, loss: number, server: Addr, extra: Partial<PunchClientConfig>, options: WorldOptions): Peer {
  const host = sim.addHost({ name, realm, ips: [ip], link: link(LAN_MS, loss) });
  const local = addr(ip, PEER_PORT);
  const spares: Addr[] = [];
  for (let i = 0; i < SPARE_PORTS; i++) spares.push(addr(ip, SPARE_PORT_FIRST + i));
  if (options.session) return startSessionPeer(sim, name, host, local, spares, server, extra, options);
  const client = new PunchClient({ id: name, token: sim.rng.nextBytes(16), server, local, spares, ...extra }, sim.rng.fork(`punch:${name}`));
  const handle = sim.run<PunchCommand, PunchEvent>(host, client, { addresses: [local, ...spares] });
  const events: Array<{ t: number; event: PunchEvent }> = [];
  handle.onEvent((event) => events.push({ t: sim.now, event }));
  return { name, client, events, command: (c) => handle.command(c) };
}

export function buildWorld(sim: Simulator, presetA: NatPresetName, presetB: NatPresetName, options: WorldOptions): World {
  const serverHost = sim.addHost({ name: 'rendezvous', realm: sim.internet, ips: [...SERVER_IPS], link: link(SERVER_MS), role: 'server' });
  const primary = addr(SERVER_IPS[0], STUN_PORT);
  const server = new RendezvousServer({ ...options.server, primary, alternate: addr(SERVER_IPS[1], STUN_ALT_PORT) }, sim.rng.fork('rendezvous'));
  const serverHandle = sim.run(serverHost, server, { addresses: server.addresses() });
  const serverEvents: Array<{ t: number; event: RendezvousServerEvent }> = [];
  serverHandle.onEvent((event) => serverEvents.push({ t: sim.now, event }));
  const layout = options.layout ?? 'pair';
  const extraA = { connect_to: 'b', ...options.client };
  const extraB = { accept_from: 'a', ...options.client };
  let realmA: Realm;
  let realmB: Realm;
  const ipA = '10.0.1.2';
  let ipB = '10.0.2.2';
  if (layout === 'same-lan') {
    realmA = realmB = natFor(sim, 'site', presetA, 1, sim.internet);
    ipB = '10.0.1.3';
  } else if (layout === 'overlap-lan') {
    // Two homes behind one carrier NAT with the same LAN (10.0.1.0/24), the same host address
    // and the same port: each peer's host candidate is the other's own socket.
    const cgn = sim.addNat({ name: 'carrier', preset: 'cgnat', externalIps: ['203.0.113.100'], insideSubnet: '100.64.0.0/24', link: link(ACCESS_MS / 2) });
    realmA = sim.addNat({ name: 'a-home', preset: presetA, realm: cgn.inside, insideSubnet: '10.0.1.0/24', link: link(ACCESS_MS / 2) }).inside;
    realmB = sim.addNat({ name: 'b-home', preset: presetB, realm: cgn.inside, insideSubnet: '10.0.1.0/24', link: link(ACCESS_MS / 2) }).inside;
    ipB = ipA;
  } else if (layout === 'same-cgn') {
    const cgn = sim.addNat({ name: 'carrier', preset: 'cgnat', externalIps: ['203.0.113.100'], insideSubnet: '100.64.0.0/24', link: link(ACCESS_MS / 2) });
    realmA = sim.addNat({ name: 'a-home', preset: presetA, realm: cgn.inside, insideSubnet: '10.0.1.0/24', link: link(ACCESS_MS / 2) }).inside;
    realmB = sim.addNat({ name: 'b-home', preset: presetB, realm: cgn.inside, insideSubnet: '10.0.2.0/24', link: link(ACCESS_MS / 2) }).inside;
  } else {
    realmA = natFor(sim, 'a', presetA, 1, sim.internet);
    realmB = natFor(sim, 'b', presetB, 2, sim.internet);
  }
  const a = startPeer(sim, 'a', realmA, ipA, options.loss, primary, extraA, options);
  const b = startPeer(sim, 'b', realmB, ipB, options.loss, primary, extraB, options);
  if (options.cut_until_ms !== undefined) sim.partition({ name: 'peers-cut', a: ['a'], b: ['b'], from: 0, until: options.cut_until_ms });
  return { server, serverEvents, a, b };
}
