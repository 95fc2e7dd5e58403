// py2p parity over secure sessions: 50 peers on the internet, each a SecureMesh (Noise
// sessions from protocol/rudp, one per link, reliable ordered messages) over links with 5%
// loss. Every broadcast reaches every peer exactly once, a whisper reaches exactly the
// sender's neighbours and is never relayed, and a reply reaches the original sender even
// when it is not the replier's neighbour. (Peers are public: no NAT punching here.)
import { addr, formatAddr } from '../../protocol/core/addr.ts';
import { nobleCrypto } from '../../protocol/core/noble-crypto.ts';
import type { MeshCommand } from '../../protocol/mesh/mesh-node.ts';
import type { MeshEvent } from '../../protocol/mesh/events.ts';
import { SecureMesh } from '../../protocol/mesh/secure-mesh.ts';
import { Simulator, type MachineHandle } from '../../runtime-sim/index.ts';
import { atLeast, equal } from '../expect.ts';
import type { Scenario } from '../scenario.ts';
import { DeliveryLog, percentile, round } from './delivery-log.ts';
import { MESH_PORT, MESH_PROTOCOL, MESH_VERSION, perLinkLoss } from './world.ts';

export function secureBroadcast(peers: number, loss: number, slow: boolean): Scenario {
  return {
    name: `mesh/secure-${peers}`,
    description: `${peers} peers over Noise sessions, ${loss * 100}% loss: broadcast once to all, whisper to neighbours only, reply to a non-neighbour sender`,
    suites: ['mesh'],
    slow,
    heavy: slow,
    figures: ['broadcast_delivery', 'dup_app', 'whisper_exact', 'replies_back', 'latency_p50_ms', 'latency_p99_ms', 'ldh_max', 'sessions'],
    run(outer, seed) {
      // The slow 50-peer variant runs untraced in a simulator of its own (its trace would hold
      // ~10^5 encrypted datagrams); secure-12 is the traced one to look at.
      const sim = slow ? new Simulator({ seed: `${seed}:mesh/secure-${peers}` }) : outer;
      const log = new DeliveryLog(() => sim.now);
      const link = { latency: { kind: 'uniform', min_ms: 10, max_ms: 30 }, loss: { kind: 'bernoulli', p: perLinkLoss(loss) } } as const;
      const nodes: Array<{ name: string; mesh: SecureMesh; handle: MachineHandle<MeshCommand, MeshEvent>; lastSent: string }> = [];
      for (let i = 0; i < peers; i++) {
        const name = `s${i}`;
        const ip = `198.51.${100 + (i >> 8)}.${(i & 255) + 1}`;
        sim.addHost({ name, ips: [ip], link });
        const rng = sim.rng.fork(`secure:${name}`);
        const mesh = new SecureMesh({ protocol_id: MESH_PROTOCOL, protocol_version: MESH_VERSION, staticSecret: rng.nextBytes(32), local: addr(ip, MESH_PORT), crypto: nobleCrypto, rng });
        const handle = sim.run(name, mesh, { port: MESH_PORT });
        const entry = { name, mesh, handle, lastSent: '' };
        handle.onEvent((e) => {
          log.observe(name, e);
          if (e.type === 'sent') entry.lastSent = e.id;
        });
        nodes.push(entry);
        if (i > 0) sim.at(i * 100, () => handle.command({ type: 'connect', addr: addr(`198.51.100.${sim.rng.nextInt(0, Math.min(i - 1, 254)) + 1}`, MESH_PORT) }));
      }
      const start = peers * 100 + 15_000;
      const rng = sim.rng.fork('secure-script');
      const broadcasts: string[] = [];
      for (let b = 0; b < 10; b++) {
        sim.at(start + b * 1_000, () => {
          const s = nodes[rng.nextInt(0, nodes.length - 1)]!;
          s.handle.command({ type: 'send', packets: [`b${b}`], msg_type: 'chat' });
          broadcasts.push(s.lastSent);
          log.record(s.lastSent, s.name, 'broadcast', nodes.filter((n) => n !== s).map((n) => n.name));
        });
      }
      const whispers: string[] = [];
      for (let w = 0; w < 5; w++) {
        sim.at(start + 12_000 + w * 500, () => {
          const s = nodes[rng.nextInt(0, nodes.length - 1)]!;
          const neighbours = new Set([...s.mesh.mesh.routingTable.values()].map((r) => r.addr));
          s.handle.command({ type: 'send', packets: [`w${w}`], flag: 'whisper', msg_type: 'chat' });
          whispers.push(s.lastSent);
          log.record(s.lastSent, s.name, 'whisper', nodes.filter((n) => neighbours.has(formatAddr(n.handle.addresses[0]!))).map((n) => n.name));
        });
      }
      // Replies: for the first broadcasts, one receiver that is NOT the sender's neighbour answers.
      let repliesSent = 0;
      let repliesBack = 0;
      sim.at(start + 15_000, () => {
        for (const id of broadcasts.slice(0, 5)) {
          const sent = log.sent.get(id)!;
          const sender = nodes.find((n) => n.name === sent.from)!;
          const neighbourAddrs = new Set([...sender.mesh.mesh.routingTable.values()].map((r) => r.addr));
          const replier = nodes.find((n) => n !== sender && !neighbourAddrs.has(formatAddr(n.handle.addresses[0]!)) && log.got.get(id)?.has(n.name));
          if (!replier) continue;
          repliesSent++;
          replier.handle.command({ type: 'reply', to: id, packets: [`re: ${id.slice(0, 6)}`], msg_type: 'chat' });
          log.record(replier.lastSent, replier.name, 'reply', [sender.name]);
        }
      });
      sim.runUntil(start + 25_000);
      const b = log.summary(broadcasts);
      const w = log.summary(whispers);
      for (const [id, s] of log.sent) if (s.flag === 'reply' && log.got.get(id)?.has([...s.expected][0]!)) repliesBack++;
      const outcome = {
        broadcast_delivery: round(b.delivered / Math.max(1, b.expected), 5),
        dup_app: b.duplicates + w.duplicates,
        whisper_exact: w.delivered === w.expected && w.unexpected === 0,
        whisper_delivered: w.delivered,
        whisper_unexpected: w.unexpected,
        whisper_expected: w.expected,
        replies_sent: repliesSent,
        replies_back: repliesBack,
        latency_p50_ms: round(percentile(b.latencies, 50), 1),
        latency_p99_ms: round(percentile(b.latencies, 99), 1),
        ldh_max: percentile(b.hops, 100),
        sessions: nodes.reduce((s, n) => s + n.mesh.sessionCount, 0),
      };
      if (slow) outer.log('info', `untraced ${peers}-peer run: ${JSON.stringify(outcome)}`);
      return outcome;
    },
    expectations: [
      equal('broadcast_delivery', 1),
      equal('dup_app', 0),
      equal('whisper_exact', true),
      atLeast('whisper_expected', 5),
      atLeast('replies_sent', 3),
      { name: 'replies_back = replies_sent', check: (o) => (o['replies_back'] === o['replies_sent'] ? true : `replies_back ${o['replies_back']}, sent ${o['replies_sent']}`) },
    ],
  };
}
