// attack/live-transfer: a pinned transfer between two NATed peers (a behind a port-restricted
// NAT, b behind a full cone) through a rendezvous server with default limits, while a stranger
// does everything it can short of breaking the cryptography: it is a registered peer that asks
// to be punched with b and squats a's and b's ids, and it is on the path (on-path-stranger.ts:
// an impostor handshake, replays, bit flips, forged nominations, low-order initiations, a
// forged registration from b's address). Expectations: the file arrives with the right sha256
// and both sessions keep the pinned peer; b's path never moves to an address the stranger
// chose; no stranger punch reaches a or b; the relay circuit stays with a and b; tables stay
// within their limits; and every attack was really sent.
import { addr, formatAddr, type Addr } from '../../protocol/core/addr.ts';
import { hex } from '../../protocol/core/bytes.ts';
import { Peer, type PeerCommand, type PeerEvent } from '../../protocol/peer/peer.ts';
import { RendezvousServer } from '../../protocol/punch/rendezvous-server.ts';
import type { RudpEvent } from '../../protocol/rudp/events.ts';
import type { LinkConfig, MachineHandle, Simulator } from '../../runtime-sim/index.ts';
import { nodeCrypto } from '../../runtime-node/node-crypto.ts';
import { atLeast, equal, holds } from '../expect.ts';
import type { Outcome, Scenario } from '../scenario.ts';
import { hexDigest, payload } from '../transfer/payload.ts';
import { newProgress, onTransportEvent, type StreamIo } from '../transfer/stream-script.ts';
import { LOW_ORDER_POINTS_HEX } from './low-order.ts';
import { INJECTIONS_PER_KIND, OnPathStranger } from './on-path-stranger.ts';
import { fixed, PEER_PORT, SERVER_IP, SERVER_PORT, startClient, STRANGER_HOST, STRANGER_IPS, type ClientRecord } from './punch-peers.ts';
import { watchTables } from './table-limits.ts';

const A_PUBLIC = '203.0.113.10';
const B_PUBLIC = '198.51.101.20';
const ACCESS: LinkConfig = { latency: { kind: 'fixed', ms: 10 }, bandwidth_bps: 100e6, queue_bytes: 512 * 1024 };
const LIMIT_MS = 120_000;
/** When the stranger starts: injecting (once it has seen a and b), and its own clients. */
const INJECT_FROM_MS = 50;
const STRANGER_START_MS = 100;

const isRudp = (e: PeerEvent): e is RudpEvent =>
  ['connected', 'readable', 'writable', 'end', 'closed', 'finished', 'datagram', 'path-changed', 'rekeyed', 'cookie', 'stats'].includes(e.type) && 'conn' in e;

function peerIo(peer: Peer, handle: MachineHandle<PeerCommand, PeerEvent>): StreamIo {
  // Through the driver (act): what a write or a read queues is sent at once, no no-op command.
  return {
    write: (_now, data) => handle.act((_m, now) => peer.write(now, data)),
    read: () => handle.act(() => peer.read()),
    end: () => handle.command({ type: 'end' }),
  };
}

export function runAttackedTransfer(sim: Simulator, seed: number, size_bytes: number): Outcome {
  const server = addr(SERVER_IP, SERVER_PORT);
  sim.addHost({ name: 'rendezvous', ips: [SERVER_IP], role: 'server', link: fixed(5) });
  // The server as shipped: every limit at its default.
  const rendezvous = new RendezvousServer({ primary: server, verbose_events: false }, sim.rng.fork('rendezvous'));
  sim.run('rendezvous', rendezvous, { port: SERVER_PORT });
  const tables = watchTables(sim, rendezvous, LIMIT_MS);

  const natA = sim.addNat({ name: 'nat-a', preset: 'port-restricted-cone', externalIps: [A_PUBLIC], insideSubnet: '10.0.1.0/24', link: ACCESS });
  const natB = sim.addNat({ name: 'nat-b', preset: 'full-cone', externalIps: [B_PUBLIC], insideSubnet: '10.0.2.0/24', link: ACCESS });
  sim.addHost({ name: 'a', realm: natA.inside, ips: ['10.0.1.2'], link: fixed(1) });
  sim.addHost({ name: 'b', realm: natB.inside, ips: ['10.0.2.2'], link: fixed(1) });
  const keyA = sim.rng.fork('key-a').nextBytes(32);
  const keyB = sim.rng.fork('key-b').nextBytes(32);
  const pubA = nodeCrypto.x25519PublicKey(keyA);
  const pubB = nodeCrypto.x25519PublicKey(keyB);
  // Both sides pin the other: the stranger must not become either side's peer.
  const make = (name: 'a' | 'b', ip: string, key: Uint8Array, expected: Uint8Array): Peer =>
    new Peer({
      id: name,
      token: sim.rng.fork(`token-${name}`).nextBytes(16),
      server,
      local: addr(ip, PEER_PORT),
      connect_to: name === 'a' ? 'b' : undefined,
      // b consents to be punched with a only (the server punches when both named each other).
      ...(name === 'b' ? { punch: { accept_from: 'a' } } : {}),
      expectedPeer: expected,
      staticSecret: key,
      crypto: nodeCrypto,
      rng: sim.rng.fork(`peer-${name}`),
    });
  const data = payload(seed, size_bytes);
  const progress = newProgress();
  const peerB = make('b', '10.0.2.2', keyB, pubA);
  const hb = sim.run('b', peerB, { port: PEER_PORT });
  const peerA = make('a', '10.0.1.2', keyA, pubB);
  const ha = sim.run('a', peerA, { port: PEER_PORT });
  const ioA = peerIo(peerA, ha);
  const ioB = peerIo(peerB, hb);
  const connectedKeys = { a: new Set<string>(), b: new Set<string>() };
  let bSessionOpen = false;
  const bPaths: string[] = [];
  ha.onEvent((e) => {
    if (e.type === 'connected') connectedKeys.a.add(e.peer);
    if (isRudp(e)) onTransportEvent(sim, 'sender', e, ioA, data, progress);
  });
  hb.onEvent((e) => {
    if (e.type === 'connected') connectedKeys.b.add(e.peer);
    // Direct pairs only: the relay path (relay first, issue 15) is always our own rendezvous server.
    if (e.type === 'path' && e.path === 'direct') bPaths.push(e.remote);
    if (e.type === 'session-open') bSessionOpen = true;
    if (isRudp(e)) onTransportEvent(sim, 'receiver', e, ioB, data, progress);
  });

  // --- the stranger: registered, squatting, and on the path --------------------------------
  sim.addHost({ name: STRANGER_HOST, ips: [...STRANGER_IPS], link: fixed(5) });
  const port = sim.adversaryPort(STRANGER_HOST);
  const strangerAddr = addr(STRANGER_IPS[0], PEER_PORT);
  const onPath = new OnPathStranger(sim, port, { a_ip: A_PUBLIC, b_ip: B_PUBLIC, server, own: strangerAddr, bSessionOpen: () => bSessionOpen, until_ms: LIMIT_MS }, sim.rng.fork('stranger'));
  onPath.start(INJECT_FROM_MS);
  const stranger: ClientRecord[] = [];
  sim.at(STRANGER_START_MS, () => {
    stranger.push(startClient(sim, STRANGER_HOST, 'mallory', strangerAddr, server, STRANGER_IPS[0], { connect_to: 'b' }));
    stranger.push(startClient(sim, STRANGER_HOST, 'a', addr(STRANGER_IPS[0], 6001), server, STRANGER_IPS[0]));
    stranger.push(startClient(sim, STRANGER_HOST, 'b', addr(STRANGER_IPS[1], 6002), server, STRANGER_IPS[1]));
  });

  for (let t = 1_000; t <= LIMIT_MS && progress.senderClosedAt === undefined; t += 1_000) sim.runUntil(t);
  sim.runFor(1_000);

  const f = onPath.figures;
  const hexA = hex(pubA);
  const hexB = hex(pubB);
  // a sends from one socket through an endpoint-independent mapping: any other remote is forged.
  const aReal = f.a_public ? formatAddr(f.a_public) : 'unknown';
  const strangerPathsOnB = bPaths.filter((remote) => remote !== aReal).length;
  const circuit = relayEndpoints(rendezvous, sim.now);
  const outcome: Outcome = {
    delivered_bytes: progress.digest.bytes,
    sha256_equal: progress.digest.bytes === size_bytes && progress.digest.hex() === hexDigest(data),
    closed_cleanly: progress.senderClosedAt !== undefined && progress.receiverClosedAt !== undefined && progress.errors.length === 0,
    errors: progress.errors.join('; ') || 'none',
    a_peer_keys_ok: connectedKeys.a.size === 1 && connectedKeys.a.has(hexB),
    b_peer_keys_ok: connectedKeys.b.size === 1 && connectedKeys.b.has(hexA),
    b_paths: bPaths.slice(0, 6).join(' ') || 'none',
    a_public: aReal,
    b_paths_to_stranger: strangerPathsOnB,
    stranger_punches_to_honest: f.stranger_punches,
    squatted_live_ids: stranger.filter((s) => (s.id === 'a' || s.id === 'b') && s.registered_at !== undefined).length,
    low_order_sent: f.low_order,
    impostor_handshakes: f.impostor_handshakes,
    impostor_events: f.impostor_events.join(' ') || 'none',
    replays_sent: f.replays,
    bitflips_sent: f.bitflips,
    nominations_sent: f.nominations,
    relay_endpoints: circuit,
    relay_follows_stranger: circuit.includes(STRANGER_IPS[0]),
    tables: tables.summary(),
    tables_over_limit: tables.overLimit().join('; ') || 'none',
  };
  return outcome;
}

/** The a|b relay circuit's endpoints as text ('n/a' when the server does not expose them). */
function relayEndpoints(server: RendezvousServer, now: number): string {
  const relay = server.relay as unknown as { ofPair?: (now: number, pair: string) => { a?: unknown; b?: unknown; addrs?: unknown } | undefined };
  if (typeof relay.ofPair !== 'function') return 'n/a';
  const c = relay.ofPair(now, 'a\u0000b');
  if (!c) return 'none';
  const isAddr = (x: unknown): x is Addr => typeof x === 'object' && x !== null && 'ip' in x && 'port' in x;
  const ends = Array.isArray(c.addrs) ? c.addrs : [c.a, c.b];
  return ends.map((x) => (isAddr(x) ? formatAddr(x) : '?')).join(' ');
}

function attackedTransfer(size_bytes: number, name: string, slow: boolean): Scenario {
  return {
    name,
    description: `${size_bytes >= 1 << 20 ? `${size_bytes >> 20} MiB` : `${size_bytes} B`} pinned transfer while an on-path stranger replays, bit-flips, forges nominations and low-order handshakes, squats ids and asks for stranger punches`,
    suites: ['attack'],
    slow,
    figures: ['sha256_equal', 'b_peer_keys_ok', 'b_paths_to_stranger', 'stranger_punches_to_honest', 'replays_sent', 'bitflips_sent', 'nominations_sent', 'low_order_sent'],
    run: (sim, seed) => runAttackedTransfer(sim, seed, size_bytes),
    expectations: [
      equal('sha256_equal', true),
      equal('closed_cleanly', true),
      atLeast('delivered_bytes', size_bytes),
      equal('a_peer_keys_ok', true),
      equal('b_peer_keys_ok', true),
      holds("b's path never moves to an address the stranger chose", (o) => (o.b_paths_to_stranger === 0 ? true : `${o.b_paths_to_stranger} path(s) not to a (${o.a_public}); first: ${o.b_paths}`)),
      equal('stranger_punches_to_honest', 0),
      equal('squatted_live_ids', 0),
      equal('relay_follows_stranger', false),
      equal('tables_over_limit', 'none'),
      // The attack really happened (else the expectations above prove nothing).
      atLeast('low_order_sent', LOW_ORDER_POINTS_HEX.length),
      atLeast('impostor_handshakes', 1),
      atLeast('replays_sent', INJECTIONS_PER_KIND),
      atLeast('bitflips_sent', INJECTIONS_PER_KIND),
      atLeast('nominations_sent', INJECTIONS_PER_KIND),
    ],
  };
}

export const attackLiveTransfer16MiB = attackedTransfer(16 * 1024 * 1024, 'attack/live-transfer-16mib', true);
export const attackLiveTransfer1MiB = attackedTransfer(1024 * 1024, 'attack/live-transfer-1mib', false);
