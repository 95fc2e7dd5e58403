// Every scenario and suite, in one list. To add scenarios: one import and one entry in
// `entries` (an entry may be a single Scenario or a generated family, Scenario[]). A suite
// exists as soon as a scenario names it in its `suites`; describe it in SUITES for `peerlab list`,
// and add a SuiteReport (scenarios/report.ts) to `reports` for a summary under the table.
import { ScenarioRegistry, type ScenarioEntry } from './registry.ts';
import type { SuiteReport } from './report.ts';
import type { Scenario } from './scenario.ts';
import { echoBasic } from './echo-basic.ts';
import { linkLatency } from './link-latency.ts';
import { linkLoss } from './link-loss.ts';
import { linkFaults } from './link-faults.ts';
import { linkCapacity } from './link-capacity.ts';
import { partitions } from './partition.ts';
import { lanBroadcast } from './lan-broadcast.ts';
import { lossBurst } from './link-change.ts';
import { routing } from './routing.ts';
import { natPresets } from './nat-preset.ts';
import { natMapping } from './nat-mapping.ts';
import { natExpiry } from './nat-expiry.ts';
import { natHairpin } from './nat-hairpin.ts';
import { natCgnat } from './nat-cgnat.ts';
import { natConntrack } from './nat-conntrack.ts';
import { natTableFull } from './nat-table.ts';
import { natLifetime } from './nat-lifetime.ts';
import { natMatrix } from './nat-matrix/index.ts';
import { natMatrixReport } from './nat-matrix/report.ts';
import { transferScenarios } from './transfer/index.ts';
import { meshScenarios } from './mesh/index.ts';
import { attackScenarios } from './attack/index.ts';
import { chordScenarios } from './chord/index.ts';
import { discoveryScenarios } from './discovery/index.ts';
import { typedScenarios } from './typed/index.ts';
import { directMatrix } from './nat-matrix/direct.ts';
import { postIdleClash } from './nat-matrix/post-idle-clash.ts';

export const SUITES: Readonly<Record<string, string>> = {
  default: 'what `npm start` runs (under 30 s): a fast tour of echo over links, partitions, LANs and NATs, a punch across two NATs, a relayed pair, a secure transfer at 1% loss, a mesh broadcast and Chord lookups',
  link: 'every link feature: latency, jitter, loss, bursts, duplication, reordering, corruption, bandwidth, MTU, partitions, broadcast',
  nat: 'every NAT behaviour and preset: mapping, filtering, expiry, hairpinning, CGNAT, conntrack clash',
  transfer: 'the file transfer `peerlab connect` runs: 16 MiB punched at 0/1/10% loss and over a long-RTT path, 16 MiB relayed between symmetric NATs, a relay limit both sides report; NAT rebinding, partition healing',
  'nat-matrix': 'hole punching across every pair of NAT presets at 0% and 5% loss (secure session over the relay first, time to first byte, upgrade to direct), plus same-LAN, shared-CGN and overlapping-LAN peers and a post-idle conntrack clash',
  attack: 'strangers against the rendezvous and a live pinned transfer: spoofed floods, id squatting, stranger punches and nominations, injected packets, low-order handshakes',
  typed: 'peerpy-style typed connections over the secure transport through a NAT at 5% loss: accept, deny, strict, fixed-size streams, max connections, dial timeout, a peer vanishing mid-message',
  discovery: 'LAN discovery: mDNS/DNS-SD (20 lossy hosts, NAT boundary, invisible, goodbye, expiry, name conflicts), peerpy PING/PONG, typed connections, direct connect of a LAN peer',
  chord: 'Chord DHT: path length vs ½·log2 N for N = 2^6…2^9 (paper Fig. 10; 2^10…2^12 in chord-large), 50% failures (Fig. 11), churn with replicated data and a ring consistency check, py2p dict API, protocol identity, graceful hand-over',
  'chord-large': 'Chord at scale (slow, minutes): path length for N = 1,024, 2,048 and 4,096, churn of 1,000 nodes with 1-hour mean lifetimes, 100 nodes behind NATs over Noise sessions',
  mesh: 'mesh overlay + replicated dict: py2p parity over secure sessions, protocol mismatch, leases, churn and partitions (1,000 peers)',
};

const entries: ScenarioEntry[] = [
  echoBasic,
  linkLatency,
  linkLoss,
  linkFaults,
  linkCapacity,
  partitions,
  lanBroadcast,
  lossBurst,
  routing,
  natPresets,
  natMapping,
  natExpiry,
  natHairpin,
  natCgnat,
  natConntrack,
  natTableFull,
  natLifetime,
  natMatrix,
  transferScenarios,
  attackScenarios,
  meshScenarios,
  chordScenarios,
  discoveryScenarios,
  typedScenarios,
  directMatrix,
  postIdleClash,
];

/** Cross-scenario summaries (e.g. a matrix over seeds), printed under the results table. */
const reports: SuiteReport[] = [natMatrixReport];

/**
 * Suites whose scenarios take many seconds each. The determinism test runs them separately
 * (test/scenarios/determinism-slow-*.test.ts, always), so the fast shards stay fast.
 */
const SLOW_SUITES: string[] = ['transfer'];

/**
 * What `npm start` adds to the default suite's tour of links and NATs (issue 14): two peers
 * behind different NATs punching (port prediction), a pair that needs the relay, a secure
 * transfer at 1% loss with its goodput, a broadcast over a 12-peer secure mesh and Chord
 * lookups on a 64-node ring. About 30 s in all on a quiet machine.
 */
const DEFAULT_TOUR = new Set([
  'nat-matrix/port-restricted-cone+symmetric-sequential/loss0',
  'nat-matrix/symmetric+symmetric/loss0',
  'transfer-16mib/loss-1',
  'mesh/secure-12',
  'chord/path-length-64',
]);
const inDefaultTour = (s: Scenario): Scenario => (DEFAULT_TOUR.has(s.name) && !s.suites.includes('default') ? { ...s, suites: [...s.suites, 'default'] } : s);

export const registry = new ScenarioRegistry((entries.flat() as Scenario[]).map(inDefaultTour), SUITES, reports, SLOW_SUITES);
