// Transfers between a NATed client and a public server on bare RudpEndpoints (no punching),
// to test what the transport itself promises: a NAT rebinding mid-transfer (the client's
// address changes; the connection id keeps the session), and a partition that heals within
// the idle timeout (loss recovery backs off, then resumes).
import { addr } from '../../protocol/core/addr.ts';
import type { LinkConfig, Simulator } from '../../runtime-sim/index.ts';
import { nodeCrypto } from '../../runtime-node/node-crypto.ts';
import { equal, holds } from '../expect.ts';
import { startEndpointPair } from '../kit/endpoint-pair.ts';
import type { Outcome, Scenario } from '../scenario.ts';
import { hexDigest, payload } from './payload.ts';

const SIZE_BYTES = 4 * 1024 * 1024;
const SERVER = addr('198.51.100.7', 4000);
const LIMIT_MS = 120_000;
const IDLE_TIMEOUT_MS = 30_000;

function link(ms: number): LinkConfig {
  return { latency: { kind: 'fixed', ms }, bandwidth_bps: 20e6, queue_bytes: 256 * 1024 };
}

type Fault = 'rebind' | 'partition';

function runDirect(sim: Simulator, seed: number, fault: Fault): Outcome {
  const nat = sim.addNat({ name: 'nat', preset: 'port-restricted-cone', externalIps: ['203.0.113.10'], insideSubnet: '10.0.1.0/24', link: link(10) });
  sim.addHost({ name: 'client', realm: nat.inside, ips: ['10.0.1.2'], link: { latency: { kind: 'fixed', ms: 1 } } });
  sim.addHost({ name: 'server', ips: [SERVER.ip], role: 'server', link: link(10) });
  const data = payload(seed, SIZE_BYTES);
  let pathChanges = 0;
  const { progress } = startEndpointPair(sim, {
    clientHost: 'client',
    serverHost: 'server',
    server: SERVER,
    clientPort: 5000,
    crypto: nodeCrypto,
    config: { idle_timeout_ms: IDLE_TIMEOUT_MS },
    data,
    rngLabels: { client: 'client', server: 'server' },
    onServerEvent: (event) => {
      if (event.type === 'path-changed') pathChanges++;
    },
  });
  if (fault === 'rebind') sim.at(1_000, () => sim.rebind('client', '10.0.1.77'));
  else sim.partition({ a: ['client'], b: ['server'], from: 1_000, until: 6_000 });
  for (let t = 1_000; t <= LIMIT_MS && progress.senderClosedAt === undefined; t += 1_000) sim.runUntil(t);
  return {
    sha256_equal: progress.digest.bytes === SIZE_BYTES && progress.digest.hex() === hexDigest(data),
    delivered_bytes: progress.digest.bytes,
    closed_cleanly: progress.senderClosedAt !== undefined && progress.receiverClosedAt !== undefined && progress.errors.length === 0,
    delivered_at_ms: Math.round(progress.deliveredAt ?? -1),
    path_changes: pathChanges,
    partition_drops: sim.stats.drops['partition'] ?? 0,
    errors: progress.errors.join('; ') || 'none',
  };
}

export const transferFaults: Scenario[] = [
  {
    name: 'transfer/nat-rebinding',
    description: '4 MiB client->server; at 1 s the client moves to a new LAN address, so its NAT mapping changes mid-transfer',
    suites: ['transfer'],
    figures: ['sha256_equal', 'path_changes', 'delivered_at_ms'],
    run: (sim, seed) => runDirect(sim, seed, 'rebind'),
    expectations: [
      equal('sha256_equal', true),
      equal('closed_cleanly', true),
      holds('the server followed the new address', (o) => ((o.path_changes as number) >= 1 ? true : 'no path-changed event')),
    ],
  },
  {
    name: 'transfer/partition-heal',
    description: '4 MiB client->server; a 5 s two-way partition at 1 s heals inside the 30 s idle timeout',
    suites: ['transfer'],
    figures: ['sha256_equal', 'partition_drops', 'delivered_at_ms'],
    run: (sim, seed) => runDirect(sim, seed, 'partition'),
    expectations: [
      equal('sha256_equal', true),
      equal('closed_cleanly', true),
      holds('the partition really cut traffic', (o) => ((o.partition_drops as number) > 0 ? true : 'no partition drops')),
      holds('delivery finished after the heal', (o) => ((o.delivered_at_ms as number) > 6_000 ? true : `delivered at ${o.delivered_at_ms}`)),
    ],
  },
];
