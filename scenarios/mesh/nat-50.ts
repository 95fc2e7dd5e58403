// py2p parity behind NATs: N mesh peers (50 in the suite), each behind its own NAT of a preset
// from a cycle that includes symmetric NATs, 5% loss. Every peer is an OverlayHost
// (protocol/overlay) around an unchanged MeshNode addressed by identity: links are found via
// the rendezvous, punched, relayed where punching cannot (two symmetric NATs) and carried by
// Noise sessions on the peer's one port. Every broadcast reaches every live peer exactly once,
// a whisper reaches exactly the sender's neighbours, a reply reaches the original sender; the
// figures split the open links into direct and relayed, checked against the NAT rules.
import { formatAddr } from '../../protocol/core/addr.ts';
import { nobleCrypto } from '../../protocol/core/noble-crypto.ts';
import type { MeshEvent } from '../../protocol/mesh/events.ts';
import { MeshNode, type MeshCommand } from '../../protocol/mesh/mesh-node.ts';
import type { NatPresetName } from '../../runtime-sim/nat/presets.ts';
import { Simulator } from '../../runtime-sim/index.ts';
import { atLeast, equal } from '../expect.ts';
import type { Scenario } from '../scenario.ts';
import { NatWorld, type NatHost } from '../overlay/nat-world.ts';
import { DeliveryLog, percentile, round } from './delivery-log.ts';
import { MESH_PROTOCOL, MESH_VERSION } from './world.ts';

/** Easy (cone) presets and symmetric ones; every fourth peer is behind a symmetric NAT. */
export const NAT_MESH_PRESETS: readonly NatPresetName[] = ['port-restricted-cone', 'full-cone', 'restricted-cone', 'symmetric', 'linux-masquerade-firewall', 'port-restricted-cone', 'symmetric', 'restricted-cone'];

export interface NatMeshOptions {
  readonly peers: number;
  readonly loss: number;
  readonly broadcasts: number;
  readonly whispers: number;
  readonly replies: number;
  /** Milliseconds between two joins: a join's first link takes a punch and a handshake. */
  readonly join_spacing_ms: number;
  /** Run in the caller's (traced) simulator; false: untraced, in a simulator of its own. */
  readonly traced: boolean;
}

type Host = NatHost<MeshCommand, MeshEvent>;

export function natMeshScenario(o: NatMeshOptions): Scenario {
  const name = `mesh/nat-${o.peers}`;
  return {
    name,
    description: `${o.peers} mesh peers behind mixed NATs (symmetric among them) via rendezvous, punching and relay, Noise sessions on one port, ${o.loss * 100}% loss: broadcast once to all, whisper to neighbours only, reply to the sender`,
    suites: ['mesh'],
    slow: true,
    figures: ['broadcast_delivery', 'dup_app', 'whisper_exact', 'replies_back', 'direct_links', 'relay_links', 'hard_pairs_direct', 'latency_p50_ms'],
    run(outer, seed) {
      // The 50-peer run is untraced, in a simulator of its own: its trace would hold ~10^6
      // encrypted datagrams. A small traced variant is the one to look at in the viewer.
      const sim = o.traced ? outer : new Simulator({ seed: `${seed}:${name}` });
      const log = new DeliveryLog(() => sim.now);
      const world = new NatWorld<MeshCommand, MeshEvent>(sim, { loss: o.loss, presets: NAT_MESH_PRESETS, namespace: 'mesh1.' }, (identity, rng) => {
        const overlay = new MeshNode({
          protocol_id: MESH_PROTOCOL, protocol_version: MESH_VERSION, publicKey: identity.publicKey, local: identity.addr, crypto: nobleCrypto, rng,
          // Sessions retransmit (no hop-by-hop ACKs); a first message to a new peer waits for a
          // punch and a handshake (seconds), so requests and liveness wait that long.
          limits: { eager_acks: false, request_timeout_ms: 20_000, keepalive_ms: 3_000, dead_ms: 30_000 },
        });
        return { overlay, deliver: (m) => (now, from, data, key) => (m as MeshNode).handleMessage(now, from, data, key) };
      });
      const spacing_ms = o.join_spacing_ms;
      const hard: Host[] = [];
      const all: Host[] = [];
      let sessionsDirect = 0;
      let sessionsRelay = 0;
      for (let i = 0; i < o.peers; i++) {
        const h = world.addHost('n');
        all.push(h);
        h.handle.onEvent((e) => {
          log.observe(h.name, e as MeshEvent);
          if (e.type === 'overlay-session-open') (e.path === 'direct' ? sessionsDirect++ : sessionsRelay++);
        });
        const symmetric = h.preset === 'symmetric';
        if (i > 0) {
          // Symmetric peers join through an earlier symmetric peer when there is one, so the
          // run always has links that only the relay can carry.
          const pool = symmetric && hard.length > 0 ? hard.slice() : all.slice(0, i);
          sim.at(i * spacing_ms, () => {
            const contact = pool[sim.rng.nextInt(0, pool.length - 1)]!;
            h.handle.command({ type: 'connect', addr: contact.identity.addr });
          });
        }
        if (symmetric) hard.push(h);
      }
      const mesh = (h: Host): MeshNode => h.host.overlay as MeshNode;
      const start = o.peers * spacing_ms + 60_000;
      const rng = sim.rng.fork('nat-mesh-script');
      const lastSent = new Map<string, string>();
      for (const h of all) h.handle.onEvent((e) => e.type === 'sent' && lastSent.set(h.name, e.id));
      const broadcasts: string[] = [];
      for (let b = 0; b < o.broadcasts; b++) {
        sim.at(start + b * 1_000, () => {
          const s = all[rng.nextInt(0, all.length - 1)]!;
          s.handle.command({ type: 'send', packets: [`b${b}`], msg_type: 'chat' });
          const id = lastSent.get(s.name)!;
          broadcasts.push(id);
          log.record(id, s.name, 'broadcast', all.filter((n) => n !== s).map((n) => n.name));
        });
      }
      const whispers: string[] = [];
      const whisperAt = start + o.broadcasts * 1_000 + 5_000;
      for (let w = 0; w < o.whispers; w++) {
        sim.at(whisperAt + w * 500, () => {
          const s = all[rng.nextInt(0, all.length - 1)]!;
          const neighbours = new Set([...mesh(s).routingTable.values()].map((r) => r.addr));
          s.handle.command({ type: 'send', packets: [`w${w}`], flag: 'whisper', msg_type: 'chat' });
          const id = lastSent.get(s.name)!;
          whispers.push(id);
          log.record(id, s.name, 'whisper', all.filter((n) => neighbours.has(formatAddr(n.identity.addr))).map((n) => n.name));
        });
      }
      let repliesSent = 0;
      const replyAt = whisperAt + o.whispers * 500 + 5_000;
      sim.at(replyAt, () => {
        for (const id of broadcasts.slice(0, o.replies)) {
          const sent = log.sent.get(id)!;
          const sender = all.find((n) => n.name === sent.from)!;
          const neighbours = new Set([...mesh(sender).routingTable.values()].map((r) => r.addr));
          // A receiver that is NOT the sender's neighbour answers: the reply must find its way back.
          const replier = all.find((n) => n !== sender && !neighbours.has(formatAddr(n.identity.addr)) && log.got.get(id)?.has(n.name));
          if (!replier) continue;
          repliesSent++;
          replier.handle.command({ type: 'reply', to: id, packets: [`re: ${id.slice(0, 6)}`], msg_type: 'chat' });
          log.record(lastSent.get(replier.name)!, replier.name, 'reply', [sender.name]);
        }
      });
      sim.runUntil(replyAt + 30_000);
      const b = log.summary(broadcasts);
      const w = log.summary(whispers);
      let repliesBack = 0;
      for (const [id, s] of log.sent) if (s.flag === 'reply' && log.got.get(id)?.has([...s.expected][0]!)) repliesBack++;
      const links = world.linkReport();
      const outcome = {
        broadcast_delivery: round(b.delivered / Math.max(1, b.expected), 5),
        broadcast_expected: b.expected,
        dup_app: b.duplicates + w.duplicates,
        whisper_exact: w.delivered === w.expected && w.unexpected === 0,
        whisper_expected: w.expected,
        replies_sent: repliesSent,
        replies_back: repliesBack,
        direct_links: links.direct,
        relay_links: links.relay,
        hard_pairs: links.hard_hard,
        hard_pairs_direct: links.wrong.length,
        cone_pairs_relayed: links.easy_easy_relay,
        sessions_direct: sessionsDirect,
        sessions_relay: sessionsRelay,
        symmetric_peers: hard.length,
        latency_p50_ms: round(percentile(b.latencies, 50), 1),
        latency_p99_ms: round(percentile(b.latencies, 99), 1),
        ldh_max: percentile(b.hops, 100),
      };
      if (!o.traced) {
        // The run's own trace holds the header and this line: the figures, compared byte for byte.
        outer.log('info', `untraced ${name} run: ${JSON.stringify(outcome)}`);
        outer.startTrace();
      }
      return outcome;
    },
    expectations: [
      equal('broadcast_delivery', 1),
      equal('dup_app', 0),
      equal('whisper_exact', true),
      atLeast('whisper_expected', o.whispers),
      { name: 'replies_back = replies_sent >= 1', check: (x) => (x['replies_back'] === x['replies_sent'] && Number(x['replies_sent']) >= 1 ? true : `replies_back ${x['replies_back']}, sent ${x['replies_sent']}`) },
      // Punching cannot get through two symmetric NATs (nat-matrix/expected.ts): every such link is relayed.
      equal('hard_pairs_direct', 0),
      { name: 'sessions_relay >= 1 (symmetric peers joined through symmetric peers)', check: (x) => (Number(x['symmetric_peers']) < 2 || Number(x['sessions_relay']) >= 1 ? true : `sessions_relay ${x['sessions_relay']} with ${x['symmetric_peers']} symmetric peers`) },
      { name: 'direct_links >= 1', check: (x) => (Number(x['direct_links']) >= 1 ? true : `direct_links ${x['direct_links']}`) },
    ],
  };
}
