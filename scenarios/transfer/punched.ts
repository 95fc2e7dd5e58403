// transfer-16mib: the seed project's tutorial, done properly. Two peers behind home NATs
// register with a rendezvous server, punch a direct path, open a Noise XX session over it
// (pinned identity) and move 16 MiB, checked by sha256, at 0%, 1% and 10% random loss on
// every access link.
import { addr } from '../../protocol/core/addr.ts';
import { Peer, type PeerEvent } from '../../protocol/peer/peer.ts';
import { RendezvousServer } from '../../protocol/punch/rendezvous-server.ts';
import type { RudpEvent } from '../../protocol/rudp/events.ts';
import type { LinkConfig, Simulator } from '../../runtime-sim/index.ts';
import { nodeCrypto } from '../../runtime-node/node-crypto.ts';
import { atLeast, equal, holds } from '../expect.ts';
import type { Outcome, Scenario } from '../scenario.ts';
import { hexDigest, payload } from './payload.ts';
import { newProgress, onTransportEvent, type StreamIo } from './stream-script.ts';

export const TRANSFER_BYTES = 16 * 1024 * 1024;
const ACCESS_BPS = 100e6;
const ACCESS_QUEUE_BYTES = 512 * 1024;
const ACCESS_MS = 10;
/** Virtual time allowed; 10% loss on every hop makes NewReno slow (Mathis: ~0.1 MB/s). */
const LIMIT_MS = 900_000;
/** If punching falls back to the relay mid-transfer, let the relay carry the whole file. */
const RELAY_CIRCUIT_BYTES = 64 * 1024 * 1024;
/** Per-source datagram rate the rendezvous allows: a relayed transfer is ~10k datagrams/s. */
const RELAY_RATE_PER_S = 20_000;

function access(loss: number): LinkConfig {
  return {
    latency: { kind: 'fixed', ms: ACCESS_MS },
    bandwidth_bps: ACCESS_BPS,
    queue_bytes: ACCESS_QUEUE_BYTES,
    ...(loss > 0 ? { loss: { kind: 'bernoulli' as const, p: loss } } : {}),
  };
}

const isRudp = (e: PeerEvent): e is RudpEvent =>
  ['connected', 'readable', 'writable', 'end', 'closed', 'finished', 'datagram', 'path-changed', 'rekeyed', 'cookie', 'stats'].includes(e.type) &&
  'conn' in e;

function peerIo(peer: Peer, command: (c: { type: 'write'; data: Uint8Array } | { type: 'end' }) => void): StreamIo {
  const empty = new Uint8Array(0);
  return {
    write: (now, data) => peer.write(now, data),
    read: () => peer.read(),
    end: () => command({ type: 'end' }),
    flush: () => command({ type: 'write', data: empty }),
  };
}

export function runPunchedTransfer(sim: Simulator, seed: number, loss: number, size_bytes = TRANSFER_BYTES): Outcome {
  const natA = sim.addNat({ name: 'nat-a', preset: 'port-restricted-cone', externalIps: ['203.0.113.10'], insideSubnet: '10.0.1.0/24', link: access(loss) });
  const natB = sim.addNat({ name: 'nat-b', preset: 'port-restricted-cone', externalIps: ['203.0.113.20'], insideSubnet: '10.0.2.0/24', link: access(loss) });
  sim.addHost({ name: 'a', realm: natA.inside, ips: ['10.0.1.2'], link: { latency: { kind: 'fixed', ms: 1 } } });
  sim.addHost({ name: 'b', realm: natB.inside, ips: ['10.0.2.2'], link: { latency: { kind: 'fixed', ms: 1 } } });
  sim.addHost({ name: 'rendezvous', ips: ['198.51.100.7'], role: 'server', link: { latency: { kind: 'fixed', ms: 5 } } });
  const server = addr('198.51.100.7', 3478);
  sim.run('rendezvous', new RendezvousServer({ primary: server, circuit_bytes_max: RELAY_CIRCUIT_BYTES, circuit_duration_ms: LIMIT_MS, rate_per_s: RELAY_RATE_PER_S, rate_burst: RELAY_RATE_PER_S }, sim.rng.fork('rendezvous')), { port: 3478 });
  const keyA = sim.rng.fork('key-a').nextBytes(32);
  const keyB = sim.rng.fork('key-b').nextBytes(32);
  const make = (name: 'a' | 'b', ip: string, key: Uint8Array): Peer =>
    new Peer({
      id: name,
      token: sim.rng.fork(`token-${name}`).nextBytes(16),
      server,
      local: addr(ip, 5000),
      connect_to: name === 'a' ? 'b' : undefined,
      expectedPeer: name === 'a' ? nodeCrypto.x25519PublicKey(keyB) : undefined,
      staticSecret: key,
      crypto: nodeCrypto,
      rng: sim.rng.fork(`peer-${name}`),
    });
  const data = payload(seed, size_bytes);
  const progress = newProgress();
  const peerB = make('b', '10.0.2.2', keyB);
  const hb = sim.run('b', peerB, { port: 5000 });
  const peerA = make('a', '10.0.1.2', keyA);
  const ha = sim.run('a', peerA, { port: 5000 });
  const ioA = peerIo(peerA, (c) => ha.command(c));
  const ioB = peerIo(peerB, (c) => hb.command(c));
  let path = 'none';
  ha.onEvent((e) => {
    if (e.type === 'session-open') path = `${e.path}/${e.technique}`;
    if (isRudp(e)) onTransportEvent(sim, 'sender', e, ioA, data, progress);
  });
  hb.onEvent((e) => {
    if (isRudp(e)) onTransportEvent(sim, 'receiver', e, ioB, data, progress);
  });
  for (let t = 1_000; t <= LIMIT_MS && progress.senderClosedAt === undefined; t += 1_000) sim.runUntil(t);
  sim.runFor(1_000);
  const stats = peerA.stats();
  const elapsed = (progress.deliveredAt ?? sim.now) - (progress.startedAt ?? 0);
  return {
    path,
    delivered_bytes: progress.digest.bytes,
    sha256_equal: progress.digest.bytes === size_bytes && progress.digest.hex() === hexDigest(data),
    closed_cleanly: progress.senderClosedAt !== undefined && progress.receiverClosedAt !== undefined && progress.errors.length === 0,
    transfer_ms: Math.round(elapsed),
    goodput_mbps: progress.deliveredAt ? Number(((size_bytes * 8) / elapsed / 1000).toFixed(2)) : 0,
    lost: stats?.lost ?? -1,
    retransmitted: stats?.retransmitted ?? -1,
    srtt_ms: Number((stats?.srtt_ms ?? 0).toFixed(1)),
    errors: progress.errors.join('; ') || 'none',
  };
}

function transferScenario(loss: number): Scenario {
  const pct = Math.round(loss * 100);
  return {
    name: `transfer-16mib/loss-${pct}`,
    description: `16 MiB between two peers behind port-restricted NATs, punched, Noise XX, sha256 checked, ${pct}% loss per access link`,
    suites: ['transfer'],
    figures: ['path', 'sha256_equal', 'transfer_ms', 'goodput_mbps', 'lost', 'retransmitted'],
    run: (sim, seed) => runPunchedTransfer(sim, seed, loss),
    expectations: [
      holds('a direct punched path', (o) => (String(o.path).startsWith('direct') ? true : `path is ${o.path}`)),
      equal('sha256_equal', true),
      equal('closed_cleanly', true),
      atLeast('delivered_bytes', TRANSFER_BYTES),
    ],
  };
}

export const transfer16MiB: Scenario[] = [0, 0.01, 0.1].map(transferScenario);
