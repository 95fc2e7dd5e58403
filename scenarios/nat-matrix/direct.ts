// srudp-style direct connect across NAT pairs (issue 13 §3): no rendezvous, each side is given
// the other's public address with its fixed port and runs DirectPeer; the second side starts
// 3 s after the first (any order within the 30 s window). It works where both NATs map
// endpoint-independently and keep the bound port (so the named port is the mapped one): the
// outgoing probes open each filter, as in simultaneous open. It cannot work behind a symmetric
// NAT (a new random port per destination) nor behind a NAT that does not keep the port (the
// named port is wrong); those cells expect the clear failure instead.
import { addr } from '../../protocol/core/addr.ts';
import { DirectPeer } from '../../protocol/direct/direct-peer.ts';
import type { TransferCommand, TransferEvent } from '../../protocol/transfer/events.ts';
import { FileTransfer, type TransferPlan } from '../../protocol/transfer/file-transfer.ts';
import type { NatConfig } from '../../runtime-sim/nat/index.ts';
import { NAT_PRESETS, type NatPresetName } from '../../runtime-sim/nat/presets.ts';
import type { Simulator } from '../../runtime-sim/index.ts';
import { nodeCrypto } from '../../runtime-node/node-crypto.ts';
import { nodeSha256 } from '../../runtime-node/transfer.ts';
import { equal } from '../expect.ts';
import type { Outcome, Scenario } from '../scenario.ts';
import { newFileAppState, receiverApp, senderApp } from '../transfer/file-app.ts';
import { hexDigest, payload } from '../transfer/payload.ts';

const SIZE_BYTES = 1024 * 1024;
const PORT = 5000;
const LIMIT_MS = 120_000;

/** A preset, or a preset that keeps the internal port (`<preset>+keep-port`). */
type NatName = NatPresetName | `${NatPresetName}+keep-port`;

function natConfig(name: NatName): NatConfig {
  const base = NAT_PRESETS[name.replace('+keep-port', '') as NatPresetName];
  return name.endsWith('+keep-port') ? { ...base, port_assignment: { ...base.port_assignment, kind: 'preserve', min_port: 1024, max_port: 65_535 } } : base;
}

interface DirectCell {
  readonly a: NatName;
  readonly b: NatName;
  readonly works: boolean;
}

export const DIRECT_CELLS: readonly DirectCell[] = [
  { a: 'open', b: 'open', works: true },
  { a: 'full-cone+keep-port', b: 'port-restricted-cone+keep-port', works: true },
  { a: 'port-restricted-cone+keep-port', b: 'port-restricted-cone+keep-port', works: true },
  { a: 'linux-masquerade-firewall', b: 'linux-masquerade-firewall', works: true },
  { a: 'restricted-cone+keep-port', b: 'linux-masquerade-firewall', works: true },
  { a: 'symmetric', b: 'port-restricted-cone+keep-port', works: false },
  { a: 'port-restricted-cone', b: 'port-restricted-cone', works: false },
];

function runDirect(sim: Simulator, seed: number, cell: DirectCell): Outcome {
  const link = { latency: { kind: 'fixed' as const, ms: 10 }, loss: { kind: 'bernoulli' as const, p: 0.02 }, bandwidth_bps: 50e6, queue_bytes: 256 * 1024 };
  const natA = sim.addNat({ name: 'nat-a', config: natConfig(cell.a), externalIps: ['203.0.113.10'], insideSubnet: '10.0.1.0/24', link });
  const natB = sim.addNat({ name: 'nat-b', config: natConfig(cell.b), externalIps: ['203.0.113.20'], insideSubnet: '10.0.2.0/24', link });
  sim.addHost({ name: 'a', realm: natA.inside, ips: ['10.0.1.2'], link: { latency: { kind: 'fixed', ms: 1 } } });
  sim.addHost({ name: 'b', realm: natB.inside, ips: ['10.0.2.2'], link: { latency: { kind: 'fixed', ms: 1 } } });
  const data = payload(seed, SIZE_BYTES);
  const sha256 = Uint8Array.from(Buffer.from(hexDigest(data), 'hex'));
  const make = (name: 'a' | 'b', ip: string, remote: string, plan: TransferPlan): FileTransfer =>
    new FileTransfer({
      peer: new DirectPeer({ local: addr(ip, PORT), remote: addr(remote, PORT), staticSecret: sim.rng.fork(`key-${name}`).nextBytes(32), crypto: nodeCrypto, rng: sim.rng.fork(`direct-${name}`) }),
      plan,
      config: { sha256: nodeSha256 },
    });
  const state = newFileAppState();
  const a = make('a', '10.0.1.2', '203.0.113.20', { kind: 'send', offer: { name: 'payload.bin', size_bytes: SIZE_BYTES, sha256 } });
  const b = make('b', '10.0.2.2', '203.0.113.10', { kind: 'receive' });
  const ha = sim.run<TransferCommand, TransferEvent>('a', a, { port: PORT });
  senderApp(sim, ha, data, state);
  let technique = 'none';
  ha.onEvent((e) => {
    if (e.type === 'session-open') technique = e.technique;
  });
  // srudp: "in any order within half a minute": b starts 3 s later.
  sim.at(3_000, () => receiverApp(sim, sim.run<TransferCommand, TransferEvent>('b', b, { port: PORT }), state));
  for (let t = 1_000; t <= LIMIT_MS && !(a.ended && b.ended); t += 1_000) sim.runUntil(t);
  const pa = a.peer as DirectPeer;
  return {
    technique,
    delivered: state.digest.bytes === SIZE_BYTES && state.digest.hex() === hexDigest(data),
    sender: state.senderEnd ? (state.senderEnd.ok ? 'ok' : (state.senderEnd.error ?? 'failed')) : 'no end',
    session: pa.sessionOpen,
    gave_up: pa.gaveUp,
    diagnosis: pa.sessionOpen ? 'none' : pa.diagnosis(),
  };
}

export const directMatrix: Scenario[] = DIRECT_CELLS.map((cell) => ({
  name: `nat-matrix/direct-${cell.a}~${cell.b}`,
  description: cell.works
    ? `srudp-style --direct (no rendezvous) between ${cell.a} and ${cell.b}, second side 3 s late, 2% loss: simultaneous open, Noise session, 1 MiB verified`
    : `srudp-style --direct between ${cell.a} and ${cell.b} cannot work (the named port is not the mapped one): no session, a clear diagnosis after the 30 s window`,
  suites: ['nat-matrix'],
  figures: ['technique', 'delivered', 'sender', 'session', 'diagnosis'],
  run: (sim, seed) => runDirect(sim, seed, cell),
  expectations: cell.works
    ? [equal('technique', 'simultaneous-open'), equal('delivered', true), equal('sender', 'ok')]
    : [equal('session', false), equal('gave_up', true), equal('delivered', false)],
}));
