// Broadcast under loss and churn over plain datagrams: N peers join, the tree settles, then
// one broadcast a second from a random live peer while a fraction of the peers crash, leave
// gracefully or join. The same script runs a flooding mesh in the same simulator (names
// f0…, separate addresses), so Plumtree's redundancy is measured against flooding's in one
// run. Delivery counts only peers alive from before a send until its deadline.
import { atLeast, atMost, equal } from '../expect.ts';
import type { Outcome, Scenario } from '../scenario.ts';
import { Simulator } from '../../runtime-sim/index.ts';
import type { MeshLimits } from '../../protocol/mesh/config.ts';
import { percentile, round } from './delivery-log.ts';
import { MeshWorld, perLinkLoss, type MeshPeer } from './world.ts';

export interface ChurnSpec {
  readonly peers: number;
  readonly loss: number;
  /** Fraction of `peers` that crash, leave or join during the broadcast phase. */
  readonly churn: number;
  readonly broadcasts: number;
  readonly slow: boolean;
  /**
   * Run the network in an untraced simulator of its own (seeded from the run's seed) and
   * write only the figures to the run's trace: a 1,000-peer trace holds millions of datagrams,
   * which no viewer or determinism check can use.
   */
  readonly untraced: boolean;
  readonly with_flood: boolean;
  readonly limits?: Partial<MeshLimits>;
}

const join_spacing_ms = 20;
const settle_ms = 15_000;
const broadcast_every_ms = 1_000;
const warmup_broadcasts = 5;
/** A broadcast counts as delivered when it arrives within this long (and we wait this long). */
const deadline_ms = 10_000;

interface WorldFigures {
  delivery: number;
  dup_app: number;
  rmr: number;
  ldh_p50: number;
  ldh_max: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  datagrams_per_broadcast_per_peer: number;
  /** Payload duplicates in the measured phase, by cause (plumtree.ts counters). */
  dup_causes: Record<string, number>;
  first_deliveries: number;
}

/** Plumtree counters that name a cause of a duplicate payload. */
const dup_cause_counters = ['dup_eager', 'dup_new_link', 'dup_after_fetch', 'dup_retx', 'dup_lazy', 'dup_graft_twice', 'dup_repair_push', 'dup_backup'] as const;

function script(sim: Simulator, world: MeshWorld, spec: ChurnSpec, start: number): { measure: () => WorldFigures } {
  const churnEvents = Math.round(spec.peers * spec.churn);
  const span = spec.broadcasts * broadcast_every_ms;
  const rng = sim.rng.fork(`churn:${world.options.prefix ?? 'p'}`);
  const ids: string[] = [];
  let payloadsAtStart = 0;
  let deliveredAtStart = 0;
  let sentAtStart = 0;
  let causesAtStart: Record<string, number> = {};
  const counters = (): { payloads: number; delivered: number; sent: number; causes: Record<string, number> } => {
    let payloads = 0;
    let delivered = 0;
    let sent = 0;
    const causes: Record<string, number> = {};
    for (const p of world.peers) {
      const c = p.node.plumtree.counters as unknown as Record<string, number>;
      payloads += p.node.plumtree.counters.payloads_received;
      delivered += p.node.plumtree.counters.delivered;
      sent += p.node.counters.dissemination_datagrams;
      for (const name of dup_cause_counters) causes[name] = (causes[name] ?? 0) + (c[name] ?? 0);
    }
    return { payloads, delivered, sent, causes };
  };
  // Warm-up broadcasts before the measured phase: the issue measures RMR "after the tree
  // settles", and the first broadcasts are what prune the initial cycles.
  for (let i = 0; i < warmup_broadcasts; i++) {
    sim.at(start - (warmup_broadcasts - i) * broadcast_every_ms, () => {
      const live = world.live();
      live[rng.nextInt(0, live.length - 1)]!.handle.command({ type: 'send', packets: [`warm-up ${i}`], msg_type: 'warm-up' });
    });
  }
  sim.at(start, () => {
    const c = counters();
    payloadsAtStart = c.payloads;
    deliveredAtStart = c.delivered;
    sentAtStart = c.sent;
    causesAtStart = c.causes;
  });
  for (let i = 0; i < churnEvents; i++) {
    const at = start + (span * (i + 0.5)) / churnEvents;
    const kind = i % 3; // crash, join, leave in turn
    sim.at(at, () => {
      if (kind === 1) {
        world.addPeer(sim.now);
        return;
      }
      const live = world.live().filter((p) => p.index > 0);
      const victim = live[rng.nextInt(0, live.length - 1)]!;
      if (kind === 0) world.crash(victim);
      else world.leave(victim);
    });
  }
  for (let b = 0; b < spec.broadcasts; b++) {
    sim.at(start + b * broadcast_every_ms + 1, () => {
      // Senders, like receivers, have been members for 5 s (not still joining).
      const live = world.live().filter((p) => p.joinedAt + 5_000 <= sim.now);
      const sender = live[rng.nextInt(0, live.length - 1)]!;
      sender.handle.command({ type: 'send', packets: [`broadcast ${b}`], msg_type: 'chat' });
      const event = lastSent(sender);
      if (event) {
        ids.push(event);
        // Alive for the whole broadcast: joined (and settled) before, still alive at its deadline.
        const expected = world.peers.filter((p) => p !== sender && p.goneAt === Infinity && p.joinedAt + 5_000 <= sim.now).map((p) => p.name);
        const record = world.log.record(event, sender.name, 'broadcast', expected);
        sim.at(sim.now + deadline_ms, () => {
          for (const name of [...record.expected]) {
            const peer = world.peers[Number(name.slice((world.options.prefix ?? 'p').length))]!;
            if (peer.goneAt !== Infinity) record.expected.delete(name);
          }
        });
      }
    });
  }
  return {
    measure(): WorldFigures {
      const c = counters();
      const s = world.log.summary(ids);
      const firsts = c.delivered - deliveredAtStart;
      return {
        delivery: s.expected === 0 ? 0 : s.delivered / s.expected,
        dup_app: s.duplicates,
        rmr: firsts === 0 ? 0 : (c.payloads - payloadsAtStart) / firsts - 1,
        ldh_p50: percentile(s.hops, 50),
        ldh_max: percentile(s.hops, 100),
        latency_p50_ms: percentile(s.latencies, 50),
        latency_p99_ms: percentile(s.latencies, 99),
        datagrams_per_broadcast_per_peer: (c.sent - sentAtStart) / spec.broadcasts / spec.peers,
        first_deliveries: firsts,
        dup_causes: Object.fromEntries(dup_cause_counters.map((name) => [name, (c.causes[name] ?? 0) - (causesAtStart[name] ?? 0)])),
      };
    },
  };
}

/** The id of the broadcast a peer sent last (from its 'sent' event, via the log). */
function lastSent(peer: MeshPeer): string | undefined {
  return peer.lastSentId;
}

export function churnScenario(spec: ChurnSpec): Scenario {
  const name = `mesh/churn-${spec.peers}`;
  return {
    name,
    description: `${spec.peers} peers (plain datagrams), ${spec.churn * 100}% churn, ${spec.loss * 100}% loss: Plumtree delivery, RMR vs flooding, LDH, latency`,
    suites: ['mesh'],
    slow: spec.slow,
    heavy: spec.untraced,
    figures: ['delivery', 'rmr', 'rmr_flood', 'ldh_max', 'latency_p50_ms', 'latency_p99_ms', 'dup_app', 'dgrams_per_bcast_peer', 'dgrams_per_bcast_peer_flood'],
    run(outer, seed): Outcome {
      const sim = spec.untraced ? new Simulator({ seed: `${seed}:${name}` }) : outer;
      const common = { peers: spec.peers, link_loss: perLinkLoss(spec.loss), latency_min_ms: 10, latency_max_ms: 40, join_spacing_ms, limits: spec.limits } as const;
      const plum = new MeshWorld(sim, { ...common, mode: 'plumtree' });
      const flood = spec.with_flood ? new MeshWorld(sim, { ...common, mode: 'flood', prefix: 'f' }) : undefined;
      const start = spec.peers * join_spacing_ms + settle_ms;
      const a = script(sim, plum, spec, start);
      const b = flood ? script(sim, flood, spec, start) : undefined;
      sim.runUntil(start + spec.broadcasts * broadcast_every_ms + deadline_ms + 1_000);
      const p = a.measure();
      const f = b?.measure();
      const outcome = {
        delivery: round(p.delivery, 5),
        rmr: round(p.rmr),
        rmr_flood: f ? round(f.rmr) : -1,
        delivery_flood: f ? round(f.delivery, 5) : -1,
        ldh_max_flood: f ? f.ldh_max : -1,
        latency_p50_ms_flood: f ? round(f.latency_p50_ms, 1) : -1,
        ldh_p50: p.ldh_p50,
        ldh_max: p.ldh_max,
        latency_p50_ms: round(p.latency_p50_ms, 1),
        latency_p99_ms: round(p.latency_p99_ms, 1),
        dup_app: p.dup_app + (f?.dup_app ?? 0),
        dgrams_per_bcast_peer: round(p.datagrams_per_broadcast_per_peer, 2),
        dgrams_per_bcast_peer_flood: f ? round(f.datagrams_per_broadcast_per_peer, 2) : -1,
        virtual_s: round(sim.now / 1_000, 1),
        // Where Plumtree's redundancy comes from (payload duplicates in the measured phase).
        ...p.dup_causes,
        first_deliveries: p.first_deliveries,
      };
      if (spec.untraced) outer.log('info', `untraced ${spec.peers}-peer run: ${JSON.stringify(outcome)}`);
      return outcome;
    },
    expectations: [
      // Derived from the configuration: every peer alive for the whole broadcast gets it.
      // The 99.9% for 1,000 peers; with 100 peers one miss is 0.06% of ~1,800
      // deliveries, and a peer whose every neighbour crashes at once can miss one: 99.8%.
      atLeast('delivery', spec.peers >= 1_000 ? 0.999 : 0.998),
      equal('dup_app', 0),
      // The issue asks RMR <= 0.2 "after the tree settles" (RMR = payloads received / first
      // deliveries - 1, payload messages only, over the measured phase). Eager pushes are
      // ACKed and a lost one is repaired by its parent, so loss no longer sends subtrees to
      // racing lazy fetches (docs/mesh.md, "Redundancy": 0.24 before, ~0.12 now at 1,000).
      atMost('rmr', 0.2),
      ...(spec.with_flood ? [{ name: 'rmr <= rmr_flood / 10', check: (o: Outcome) => ((o['rmr'] as number) <= (o['rmr_flood'] as number) / 10 ? true : `rmr ${o['rmr']}, rmr_flood ${o['rmr_flood']}`) }] : []),
    ],
  };
}
