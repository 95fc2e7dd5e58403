// transfer-16mib: the file transfer `peerlab connect` runs, in the simulator. Two peers behind
// home NATs register with a rendezvous server, find a path (punched, or the server's relay),
// open a Noise XX session over it (pinned identity) and run the very FileTransfer machine the
// CLI runs: offer, 16 MiB of file, sha256 verified by the receiver, an acknowledged verdict.
// Variants: 0/1/10% random loss on every access link, a long-RTT path (300 ms), and two
// symmetric NATs (no punch possible) moving 16 MiB through the relay with default settings.
// A last one gives the relay a small budget: both sides must end with `relay-limit`.
import { addr } from '../../protocol/core/addr.ts';
import { Peer } from '../../protocol/peer/peer.ts';
import { RendezvousServer, type RendezvousServerConfig } from '../../protocol/punch/rendezvous-server.ts';
import type { TransferCommand, TransferEvent } from '../../protocol/transfer/events.ts';
import { FileTransfer, type TransferPlan } from '../../protocol/transfer/file-transfer.ts';
import type { NatPresetName } from '../../runtime-sim/nat/index.ts';
import type { LinkConfig, Simulator } from '../../runtime-sim/index.ts';
import { nodeCrypto } from '../../runtime-node/node-crypto.ts';
import { nodeSha256 } from '../../runtime-node/transfer.ts';
import { equal, holds } from '../expect.ts';
import type { Expectation, Outcome, Scenario } from '../scenario.ts';
import { newFileAppState, receiverApp, senderApp } from './file-app.ts';
import { hexDigest, payload, sha256Digest } from './payload.ts';

export const TRANSFER_BYTES = 16 * 1024 * 1024;
const ACCESS_BPS = 100e6;
const ACCESS_QUEUE_BYTES = 512 * 1024;
/** Virtual time allowed; 10% loss on every hop makes NewReno slow (Mathis: ~0.3 Mbit/s). */
const LIMIT_MS = 900_000;
const SERVER = addr('198.51.100.7', 3478);

export interface TransferSpec {
  readonly loss: number;
  /** One-way latency of each NAT's access link (the path crosses two, plus 1 ms LAN hops). */
  readonly access_ms: number;
  readonly nat: NatPresetName;
  /** b's NAT when it differs from a's. */
  readonly nat_b?: NatPresetName;
  readonly size_bytes: number;
  /** Rendezvous settings beyond its defaults (none: the relay runs with its defaults). */
  readonly server?: Partial<Omit<RendezvousServerConfig, 'primary'>>;
  /** What the sender claims instead of the truth (tests of the verdict). */
  readonly offer?: { readonly sha256?: Uint8Array; readonly size_bytes?: number };
  /** The sender holds its start this long for a running punch (FileTransfer's await_direct_ms). */
  readonly await_direct_ms?: number;
}

function access(spec: TransferSpec): LinkConfig {
  return {
    latency: { kind: 'fixed', ms: spec.access_ms },
    bandwidth_bps: ACCESS_BPS,
    queue_bytes: ACCESS_QUEUE_BYTES,
    ...(spec.loss > 0 ? { loss: { kind: 'bernoulli' as const, p: spec.loss } } : {}),
  };
}

export function runFileTransfer(sim: Simulator, seed: number, spec: TransferSpec): Outcome {
  const natA = sim.addNat({ name: 'nat-a', preset: spec.nat, externalIps: ['203.0.113.10'], insideSubnet: '10.0.1.0/24', link: access(spec) });
  const natB = sim.addNat({ name: 'nat-b', preset: spec.nat_b ?? spec.nat, externalIps: ['203.0.113.20'], insideSubnet: '10.0.2.0/24', link: access(spec) });
  sim.addHost({ name: 'a', realm: natA.inside, ips: ['10.0.1.2'], link: { latency: { kind: 'fixed', ms: 1 } } });
  sim.addHost({ name: 'b', realm: natB.inside, ips: ['10.0.2.2'], link: { latency: { kind: 'fixed', ms: 1 } } });
  // With an RFC 5780 alternate the server also answers from the second IP and port, so each
  // peer classifies its NAT (and a symmetric sequential one is met with port prediction).
  const alternate = spec.server?.alternate;
  sim.addHost({ name: 'rendezvous', ips: alternate ? [SERVER.ip, alternate.ip] : [SERVER.ip], role: 'server', link: { latency: { kind: 'fixed', ms: 5 } } });
  const server = new RendezvousServer({ primary: SERVER, ...spec.server }, sim.rng.fork('rendezvous'));
  sim.run('rendezvous', server, alternate ? { addresses: server.addresses() } : { port: SERVER.port });
  const keyA = sim.rng.fork('key-a').nextBytes(32);
  const keyB = sim.rng.fork('key-b').nextBytes(32);
  const data = payload(seed, spec.size_bytes);
  const sha256 = sha256Digest(data);
  const make = (name: 'a' | 'b', ip: string, key: Uint8Array, plan: TransferPlan): FileTransfer =>
    new FileTransfer({
      peer: new Peer({
        id: name,
        token: sim.rng.fork(`token-${name}`).nextBytes(16),
        server: SERVER,
        local: addr(ip, 5000),
        connect_to: name === 'a' ? 'b' : undefined,
        // The server punches only when both sides named each other.
        punch: name === 'b' ? { accept_from: 'a' } : undefined,
        expectedPeer: name === 'a' ? nodeCrypto.x25519PublicKey(keyB) : undefined,
        staticSecret: key,
        crypto: nodeCrypto,
        rng: sim.rng.fork(`peer-${name}`),
      }),
      plan,
      config: { sha256: nodeSha256 },
      ...(spec.await_direct_ms !== undefined ? { await_direct_ms: spec.await_direct_ms } : {}),
    });
  const state = newFileAppState();
  const b = make('b', '10.0.2.2', keyB, { kind: 'receive' });
  const hb = sim.run<TransferCommand, TransferEvent>('b', b, { port: 5000 });
  const a = make('a', '10.0.1.2', keyA, { kind: 'send', offer: { name: 'payload.bin', size_bytes: spec.size_bytes, sha256, ...spec.offer } });
  const ha = sim.run<TransferCommand, TransferEvent>('a', a, { port: 5000 });
  let path = 'none';
  /** The path the first file bytes left on (the sender's first read). */
  let pathAtStart = 'none';
  ha.onEvent((e) => {
    if (e.type === 'need-data' && pathAtStart === 'none') pathAtStart = path;
    if (e.type === 'session-open') path = `${e.path}/${e.technique}`;
    // Relay first, upgrade later (issue 15): the session moves when the direct path is adopted.
    else if (e.type === 'path' && path !== 'none') path = `${e.path}/${e.technique}`;
  });
  senderApp(sim, ha, data, state);
  receiverApp(sim, hb, state);
  for (let t = 1_000; t <= LIMIT_MS && !(a.ended && b.ended); t += 1_000) sim.runUntil(t);
  sim.runFor(1_000);
  const stats = a.peer.stats();
  const s = state.senderEnd;
  const r = state.receiverEnd;
  const elapsed = (state.verifiedAt ?? sim.now) - (state.startedAt ?? 0);
  return {
    path,
    path_at_start: pathAtStart,
    delivered_bytes: state.digest.bytes,
    sha256_equal: state.digest.bytes === spec.size_bytes && state.digest.hex() === hexDigest(data),
    sender: s ? (s.ok ? 'ok' : (s.error ?? 'failed')) : 'no end',
    receiver: r ? (r.ok ? 'ok' : (r.error ?? 'failed')) : 'no end',
    agree: s !== undefined && r !== undefined && s.ok === r.ok && s.error === r.error && s.verdict === r.verdict,
    confirmed: s?.confirmed === true && r?.confirmed === true,
    sender_end_ms: Math.round(state.senderEndAt ?? -1),
    receiver_end_ms: Math.round(state.receiverEndAt ?? -1),
    transfer_ms: Math.round(elapsed),
    goodput_mbps: state.verifiedAt ? Number(((spec.size_bytes * 8) / elapsed / 1000).toFixed(2)) : 0,
    lost: stats?.lost ?? -1,
    retransmitted: stats?.retransmitted ?? -1,
    srtt_ms: Number((stats?.srtt_ms ?? 0).toFixed(1)),
    gaps: state.gaps,
    errors: [s?.message, r?.message, ...state.refused].filter(Boolean).join('; ') || 'none',
  };
}

/** Both machines ended ok, agreed, confirmed each other, and the bytes hash right. */
const deliveredAndAgreed: Expectation[] = [
  equal('sha256_equal', true),
  equal('sender', 'ok'),
  equal('receiver', 'ok'),
  equal('agree', true),
  equal('confirmed', true),
  equal('gaps', 0),
];

const FIGURES = ['path', 'sha256_equal', 'sender', 'receiver', 'transfer_ms', 'goodput_mbps', 'lost', 'retransmitted'];

function pathIs(prefix: 'direct' | 'relay'): Expectation {
  return holds(`a ${prefix} path`, (o) => (String(o.path).startsWith(prefix) ? true : `path is ${o.path}`));
}

function lossScenario(loss: number): Scenario {
  const pct = Math.round(loss * 100);
  return {
    name: `transfer-16mib/loss-${pct}`,
    description: `16 MiB between two peers behind port-restricted NATs, punched, Noise XX, verified and acknowledged, ${pct}% loss per access link`,
    suites: ['transfer'],
    figures: FIGURES,
    run: (sim, seed) => runFileTransfer(sim, seed, { loss, access_ms: 10, nat: 'port-restricted-cone', size_bytes: TRANSFER_BYTES }),
    expectations: [pathIs('direct'), ...deliveredAndAgreed],
  };
}

const longRtt: Scenario = {
  name: 'transfer-16mib/long-rtt',
  description: '16 MiB between two punched peers over a ~300 ms RTT path (75 ms per access link each way), 1% loss',
  suites: ['transfer'],
  figures: [...FIGURES, 'srtt_ms'],
  run: (sim, seed) => runFileTransfer(sim, seed, { loss: 0.01, access_ms: 75, nat: 'port-restricted-cone', size_bytes: TRANSFER_BYTES }),
  expectations: [pathIs('direct'), ...deliveredAndAgreed, holds('the path really is long', (o) => ((o.srtt_ms as number) >= 290 ? true : `srtt ${o.srtt_ms} ms`))],
};

const relaySymmetric: Scenario = {
  name: 'transfer-16mib/relay-symmetric',
  description: '16 MiB between two peers behind symmetric NATs (no punch can work): the relay carries it, with the rendezvous server\'s default limits',
  suites: ['transfer'],
  figures: FIGURES,
  run: (sim, seed) => runFileTransfer(sim, seed, { loss: 0, access_ms: 10, nat: 'symmetric', size_bytes: TRANSFER_BYTES }),
  expectations: [pathIs('relay'), ...deliveredAndAgreed],
};

/** Relay budget of the limit scenario: well under the file. */
const SMALL_RELAY_BYTES = 1024 * 1024;

const relayLimit: Scenario = {
  name: 'transfer-relay-limit',
  description: `4 MiB through the relay of a server that allows a pair only ${SMALL_RELAY_BYTES >> 20} MiB: both sides end with relay-limit`,
  suites: ['transfer'],
  figures: ['path', 'sender', 'receiver', 'delivered_bytes', 'sender_end_ms', 'receiver_end_ms'],
  run: (sim, seed) => runFileTransfer(sim, seed, { loss: 0, access_ms: 10, nat: 'symmetric', size_bytes: 4 * 1024 * 1024, server: { circuit_bytes_max: SMALL_RELAY_BYTES } }),
  expectations: [pathIs('relay'), equal('sender', 'relay-limit'), equal('receiver', 'relay-limit'), holds('stopped early', (o) => ((o.delivered_bytes as number) < 4 * 1024 * 1024 ? true : 'everything arrived'))],
};

export const transfer16MiB: Scenario[] = [...[0, 0.01, 0.1].map(lossScenario), longRtt, relaySymmetric, relayLimit];
