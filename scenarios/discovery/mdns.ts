// mDNS / DNS-SD scenarios of the `discovery` suite: 20 hosts on one lossy LAN find each other;
// hosts behind another NAT (and on the internet) are never seen; invisible hosts answer
// nothing; a host that leaves says goodbye and drops out of every list (and one that crashes
// expires with its records' TTL); clashing instance names are renamed as RFC 6762 says.
import type { LinkConfig, Simulator } from '../../runtime-sim/index.ts';
import { atLeast, atMost, equal } from '../expect.ts';
import type { Outcome, Scenario } from '../scenario.ts';
import { seekAt, startPresence, timeToCount, type LanPresence } from './kit.ts';

const lossy = (p: number): LinkConfig => ({ latency: { kind: 'uniform', min_ms: 1, max_ms: 4 }, loss: { kind: 'bernoulli', p } });

function lan(sim: Simulator, name: string, subnet: string, external: string) {
  return sim.addNat({ name, preset: 'port-restricted-cone', realm: sim.internet, externalIps: [external], insideSubnet: subnet });
}

function listSizes(hosts: readonly LanPresence[]): number[] {
  return hosts.map((h) => h.mdns.peers().length);
}

/**
 * 20 hosts, 5% loss on every link in each direction (about 10% per hop): all find all within
 * 16 s. RFC 6762 paces a responder to one multicast of a record per second and queries double
 * (1, 2, 4, 8 s), so a peer whose first announcements were all lost to one listener waits for
 * the next query round; typically all are found near 3.5 s.
 */
export const FIND_ALL_WITHIN_MS = 16_000;
const HOSTS = 20;

const twentyHosts: Scenario = {
  name: 'discovery/mdns-20-lossy',
  description: `${HOSTS} peers on one LAN, 5% loss per link direction: every peer lists the other ${HOSTS - 1} within ${FIND_ALL_WITHIN_MS / 1000} s (probe, announce, query with known answers)`,
  suites: ['discovery'],
  figures: ['complete_lists', 'all_found_ms', 'min_list', 'queries', 'responses', 'suppressed', 'nat_rewrites'],
  run(sim) {
    const nat = lan(sim, 'nat', '10.0.1.0/24', '203.0.113.10');
    const hosts: LanPresence[] = [];
    for (let i = 0; i < HOSTS; i++) {
      const ip = `10.0.1.${10 + i}`;
      const host = sim.addHost({ name: `h${i}`, realm: nat.inside, ips: [ip], link: lossy(0.05) });
      hosts.push(startPresence(sim, host, `h${i}`, ip, sim.rng));
    }
    sim.runUntil(20_000);
    const times = hosts.map((h) => timeToCount(h, HOSTS - 1));
    const sizes = listSizes(hosts);
    return {
      complete_lists: sizes.filter((s) => s === HOSTS - 1).length,
      min_list: Math.min(...sizes),
      all_found_ms: times.some((t) => t < 0) ? -1 : Math.max(...times),
      queries: hosts.reduce((n, h) => n + h.mdns.counters.queries_sent, 0),
      responses: hosts.reduce((n, h) => n + h.mdns.counters.responses_sent, 0),
      suppressed: hosts.reduce((n, h) => n + h.mdns.counters.known_answer_suppressed, 0),
      conflicts: hosts.reduce((n, h) => n + h.timed.filter((x) => x.event.type === 'name-conflict').length, 0),
      nat_rewrites: sim.stats.nat,
    };
  },
  expectations: [
    equal('complete_lists', HOSTS),
    atLeast('all_found_ms', 0),
    atMost('all_found_ms', FIND_ALL_WITHIN_MS),
    atLeast('suppressed', 1),
    equal('conflicts', 0),
    equal('nat_rewrites', 0),
  ],
};

const behindNat: Scenario = {
  name: 'discovery/nat-boundary',
  description: 'three peers behind NAT A, two behind NAT B, one on the internet: each sees only its own LAN; no mDNS or PING crosses a NAT',
  suites: ['discovery'],
  figures: ['a_list', 'b_list', 'public_list', 'a_pinged', 'nat_rewrites'],
  run(sim) {
    const natA = lan(sim, 'nat-a', '10.0.1.0/24', '203.0.113.10');
    const natB = lan(sim, 'nat-b', '10.0.2.0/24', '203.0.113.20');
    const a = [0, 1, 2].map((i) => startPresence(sim, sim.addHost({ name: `a${i}`, realm: natA.inside, ips: [`10.0.1.${10 + i}`] }), `a${i}`, `10.0.1.${10 + i}`, sim.rng));
    const b = [0, 1].map((i) => startPresence(sim, sim.addHost({ name: `b${i}`, realm: natB.inside, ips: [`10.0.2.${10 + i}`] }), `b${i}`, `10.0.2.${10 + i}`, sim.rng));
    const pub = startPresence(sim, sim.addHost({ name: 'pub', realm: sim.internet, ips: ['198.51.100.7'] }), 'pub', '198.51.100.7', sim.rng);
    const pinged = seekAt(sim, a[0]!, 3_000);
    sim.runUntil(10_000);
    const aKeys = new Set(a.map((p) => p.key_hex));
    const foreign = a.flatMap((p) => p.mdns.peers()).filter((peer) => !aKeys.has(peer.key_hex)).length;
    return {
      a_list: Math.min(...listSizes(a)),
      a_list_max: Math.max(...listSizes(a)),
      a_foreign: foreign,
      b_list: Math.min(...listSizes(b)),
      b_list_max: Math.max(...listSizes(b)),
      public_list: pub.mdns.peers().length,
      a_pinged: pinged.peers.length,
      nat_rewrites: sim.stats.nat,
    };
  },
  expectations: [equal('a_list', 2), equal('a_list_max', 2), equal('a_foreign', 0), equal('b_list', 1), equal('b_list_max', 1), equal('public_list', 0), equal('a_pinged', 2), equal('nat_rewrites', 0)],
};

const invisible: Scenario = {
  name: 'discovery/invisible',
  description: 'six peers, two invisible: they still see the four visible ones, answer no mDNS query and no PING, and appear in nobody\'s list',
  suites: ['discovery'],
  figures: ['visible_list', 'invisible_list', 'seek_found', 'invisible_pongs', 'invisible_responses'],
  run(sim) {
    const nat = lan(sim, 'nat', '10.0.1.0/24', '203.0.113.10');
    const all: LanPresence[] = [];
    for (let i = 0; i < 6; i++) {
      const ip = `10.0.1.${10 + i}`;
      all.push(startPresence(sim, sim.addHost({ name: `h${i}`, realm: nat.inside, ips: [ip], link: lossy(0.02) }), `h${i}`, ip, sim.rng, { invisible: i >= 4 }));
    }
    const visible = all.slice(0, 4);
    const hidden = all.slice(4);
    const seek = seekAt(sim, visible[0]!, 4_000);
    sim.runUntil(10_000);
    const hiddenKeys = new Set(hidden.map((h) => h.key_hex));
    return {
      visible_list: Math.min(...listSizes(visible)),
      visible_list_max: Math.max(...listSizes(visible)),
      invisible_list: Math.min(...listSizes(hidden)),
      hidden_listed: visible.flatMap((v) => v.mdns.peers()).filter((p) => hiddenKeys.has(p.key_hex)).length,
      seek_found: seek.peers.length,
      invisible_pongs: hidden.reduce((n, h) => n + h.pinger.events.filter((e) => e.type === 'pong-sent').length, 0),
      invisible_responses: hidden.reduce((n, h) => n + h.mdns.counters.responses_sent, 0),
    };
  },
  expectations: [
    equal('visible_list', 3),
    equal('visible_list_max', 3),
    equal('invisible_list', 4),
    equal('hidden_listed', 0),
    equal('seek_found', 3),
    equal('invisible_pongs', 0),
    equal('invisible_responses', 0),
  ],
};

function leaving(kind: 'goodbye' | 'crash'): Scenario {
  const leaveAt_ms = 5_000;
  return {
    name: `discovery/leave-${kind}`,
    description:
      kind === 'goodbye'
        ? 'six peers; one stops at 5 s and sends goodbyes (TTL 0): every other peer drops it one second later (RFC 6762 §10.1)'
        : 'six peers; one vanishes at 5 s without a word: the others drop it when its SRV (TTL 120 s) expires',
    suites: ['discovery'],
    figures: ['lost_events', 'lost_after_ms', 'list_before', 'list_after'],
    run(sim) {
      const nat = lan(sim, 'nat', '10.0.1.0/24', '203.0.113.10');
      const all: LanPresence[] = [];
      for (let i = 0; i < 6; i++) {
        const ip = `10.0.1.${10 + i}`;
        all.push(startPresence(sim, sim.addHost({ name: `h${i}`, realm: nat.inside, ips: [ip], link: { latency: { kind: 'fixed', ms: 2 } } }), `h${i}`, ip, sim.rng));
      }
      const leaver = all[5]!;
      const stayers = all.slice(0, 5);
      let before = 0;
      sim.at(leaveAt_ms, () => {
        before = Math.min(...listSizes(stayers));
        if (kind === 'goodbye') leaver.mdnsHandle.command({ type: 'stop' });
        else sim.partition({ a: ['h5'], b: stayers.map((s) => s.name), from: leaveAt_ms });
      });
      sim.runUntil(kind === 'goodbye' ? 12_000 : 130_000);
      const lost = stayers.flatMap((s) => s.timed.filter((x) => x.event.type === 'peer-lost' && x.event.instance === 'peerlab h5'));
      const reasons = new Set(lost.map((x) => (x.event.type === 'peer-lost' ? x.event.reason : '')));
      return {
        list_before: before,
        list_after: Math.max(...listSizes(stayers)),
        lost_events: lost.length,
        lost_reason: [...reasons].join(','),
        lost_after_ms: lost.length === 0 ? -1 : Math.max(...lost.map((x) => x.t)) - leaveAt_ms,
      };
    },
    expectations: [
      equal('list_before', 5),
      equal('list_after', 4),
      equal('lost_events', 5),
      equal('lost_reason', kind === 'goodbye' ? 'goodbye' : 'expired'),
      ...(kind === 'goodbye' ? [atMost('lost_after_ms', 1_100)] : [atMost('lost_after_ms', 121_000), atLeast('lost_after_ms', 100_000)]),
    ],
  };
}

const conflict: Scenario = {
  name: 'discovery/name-conflict',
  description: 'four peers start at once with the same instance name "office": probing, the §8.2 tiebreak and renaming leave four distinct names that every peer sees',
  suites: ['discovery'],
  figures: ['distinct_names', 'conflicts', 'min_list'],
  run(sim) {
    const nat = lan(sim, 'nat', '10.0.1.0/24', '203.0.113.10');
    const all: LanPresence[] = [];
    for (let i = 0; i < 4; i++) {
      const ip = `10.0.1.${10 + i}`;
      all.push(startPresence(sim, sim.addHost({ name: `h${i}`, realm: nat.inside, ips: [ip], link: { latency: { kind: 'uniform', min_ms: 1, max_ms: 3 } } }), `h${i}`, ip, sim.rng, { instance: 'office' }));
    }
    sim.runUntil(20_000);
    const names = all.map((p) => p.mdns.instance ?? '');
    const failed = all.filter((p) => p.timed.some((x) => x.event.type === 'publish-failed')).length;
    // Every peer's list names the other three with their final names.
    const consistent = all.every((p) => {
      const seen = p.mdns.peers().map((x) => x.instance).sort();
      const want = names.filter((n) => n !== p.mdns.instance).sort();
      return JSON.stringify(seen) === JSON.stringify(want);
    });
    const out: Outcome = {
      distinct_names: new Set(names).size,
      names: names.join('|'),
      conflicts: all.reduce((n, p) => n + p.timed.filter((x) => x.event.type === 'name-conflict').length, 0),
      failed,
      consistent,
      min_list: Math.min(...listSizes(all)),
    };
    return out;
  },
  expectations: [equal('distinct_names', 4), atLeast('conflicts', 3), equal('failed', 0), equal('consistent', true), equal('min_list', 3)],
};

export const mdnsScenarios: Scenario[] = [twentyHosts, behindNat, invisible, leaving('goodbye'), leaving('crash'), conflict];
