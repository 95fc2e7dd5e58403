// `peerlab bench punch`: hole-punching figures.
//   1. time from "both peers known to the rendezvous" to a direct path, for every cone pair of
//      NAT presets at 0% loss (sim), as a multiple of the peers' direct RTT (target: median <= 2);
//   2. rendezvous registrations + lookups per CPU-second, in-process, against decoding the same
//      datagrams alone (target >= 100,000/s); registrations + connects (which issue punches) too;
//   3. heap after a flood of 1,000,000 distinct fake registrations from distinct addresses,
//      against the heap with the table just full (target: within 2x, i.e. bounded);
//   4. honest registration success during a 200,000-registration flood from 4,000 sources
//      (sim, scenarios/attack/flood.ts), forged sources and attacker-owned sources that echo
//      cookies, against the same measurement without the flood (target >= 99%);
//   5. the worst reply/request byte ratio per request type sent from forged sources during
//      that flood (target <= 1 for everything but STUN Binding);
//   6. issue 15, relay first: time from "both registered" to the first application byte (the
//      initiator's 8 bytes read by the acceptor) for every nat-matrix pair at 0% loss (sim, full
//      Peers), worst over pairs and seeds, against 2 RTT of the relayed path; baseline = the same
//      cells with relay_first off (the relay only after punching gives up, as in wave 1); plus
//      the median time to the direct path (adopted after in-session validation);
//   7. issue 15, conntrack clash recovery (bench/punch-clash.ts): the one-sided clash in the
//      simulator against re-punch disabled, the same on real kernels (as root), and the
//      post-idle clash's paused transfer.
// Run: `npx tsx bench/punch.ts [--json]` or `npm run bench -- punch`.
import { nodeCrypto } from '../runtime-node/node-crypto.ts';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { addr } from '../protocol/core/addr.ts';
import { rngFromFloat } from '../protocol/core/rng.ts';
import { UNKNOWN_NAT } from '../protocol/punch/nat-report.ts';
import { RendezvousServer } from '../protocol/punch/rendezvous-server.ts';
import { CONTROL_BYTES_MAX, decodeRendezvous, encodeRendezvous } from '../protocol/punch/rendezvous-wire.ts';
import { Simulator } from '../runtime-sim/index.ts';
import type { NatPresetName } from '../runtime-sim/nat/presets.ts';
import { matrixPairs } from '../scenarios/nat-matrix/expected.ts';
import { FIRST_BYTE_RTTS_MAX, runCell } from '../scenarios/nat-matrix/index.ts';
import { DIRECT_RTT_MS, RELAY_RTT_MS } from '../scenarios/nat-matrix/world.ts';
import { FLOOD_SCENARIO, REGISTER_DEADLINE_MS, runFlood, type FloodOptions, type FloodResult } from '../scenarios/attack/flood.ts';
import { RATIO_EXEMPT, REQUEST_TYPES } from '../scenarios/attack/reply-ledger.ts';
import type { BenchFigure, BenchOptions, BenchResult } from './bench.ts';
import { measureClash } from './punch-clash.ts';

const CONE_PRESETS: readonly NatPresetName[] = ['open', 'full-cone', 'restricted-cone', 'port-restricted-cone', 'linux-masquerade', 'linux-masquerade-firewall', 'cgnat'];
const SEEDS_PER_PAIR = 5;
/** Figure 6: seeds per nat-matrix pair (45 pairs), each run relay-first and relay-after. */
const FIRST_BYTE_SEEDS = 3;
const RENDEZVOUS_OPS = 200_000;
const TARGET_OPS_PER_S = 100_000;
const FLOOD_REGISTRATIONS = 1_000_000;
const TARGET_RTT_MULTIPLE = 2;
const TARGET_FLOOD_RATIO = 2;
const SERVER = addr('198.51.100.7', 3478);
/** Figure 4: the flood of issue 9 (200k registrations from 4,000 source IPs), honest peers joining throughout. */
const BENCH_FLOOD: FloodOptions = {
  ...FLOOD_SCENARIO,
  registrations: 200_000,
  sources: 4_000,
  duration_ms: 20_000,
  honest: 200,
  probe_sources_per_type: 64,
  probe_requests_per_source: 16,
};
const TARGET_HONEST_SUCCESS = 0.99;
const TARGET_REPLY_RATIO = 1;
const FLOOD_SEED = 9;
const REGISTER_DEADLINE_MS_TEXT = `${REGISTER_DEADLINE_MS / 1000} s`;

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function xorshift(seed: number) {
  let x = seed >>> 0 || 1;
  return rngFromFloat(() => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  });
}

/** Figure 1: every unordered pair of cone presets, a few seeds each. */
function conePairs(log: (line: string) => void): { median_ms: number; p90_ms: number; runs: number } {
  const times: number[] = [];
  for (let i = 0; i < CONE_PRESETS.length; i++) {
    for (let j = i; j < CONE_PRESETS.length; j++) {
      for (let seed = 1; seed <= SEEDS_PER_PAIR; seed++) {
        const o = runCell(new Simulator({ seed }), CONE_PRESETS[i]!, CONE_PRESETS[j]!, { loss: 0 });
        if (o.path !== 'direct' || typeof o.time_to_direct_ms !== 'number') throw new Error(`${CONE_PRESETS[i]} x ${CONE_PRESETS[j]} seed ${seed}: no direct path`);
        times.push(o.time_to_direct_ms);
      }
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  log(`cone pairs: ${times.length} runs, time-to-direct min ${sorted[0]} ms, max ${sorted[sorted.length - 1]} ms`);
  return { median_ms: median(times), p90_ms: sorted[Math.floor(sorted.length * 0.9)]!, runs: times.length };
}

interface FirstByte {
  readonly worst_ms: number;
  readonly median_ms: number;
  readonly worst_cell: string;
  readonly median_direct_ms: number;
  readonly runs: number;
  readonly missing: number;
}

/** Figure 6: every nat-matrix pair at 0% loss with full Peers; relay first or (baseline) relay after. */
function firstByte(relay_first: boolean, log: (line: string) => void): FirstByte {
  const times: number[] = [];
  const direct: number[] = [];
  let worst = -1;
  let worst_cell = '';
  let missing = 0;
  for (const [a, b] of matrixPairs()) {
    for (let seed = 1; seed <= FIRST_BYTE_SEEDS; seed++) {
      const o = runCell(new Simulator({ seed }), a, b, { loss: 0, session: true, peer: { relay_first } });
      const t = o.time_to_first_byte_ms as number;
      if (typeof o.time_to_direct_ms === 'number' && o.time_to_direct_ms >= 0) direct.push(o.time_to_direct_ms);
      if (t < 0) {
        missing++;
        continue;
      }
      times.push(t);
      if (t > worst) {
        worst = t;
        worst_cell = `${a}+${b} seed ${seed}`;
      }
    }
  }
  log(`first byte (${relay_first ? 'relay first' : 'relay after punching'}): ${times.length} runs, median ${median(times)} ms, worst ${worst} ms (${worst_cell}), ${missing} without a first byte`);
  return { worst_ms: worst, median_ms: median(times), worst_cell, median_direct_ms: median(direct), runs: times.length + missing, missing };
}

function rendezvousServer(registrations_max: number): RendezvousServer {
  return new RendezvousServer(
    {
      primary: SERVER, registrations_max, registrations_per_prefix_max: registrations_max, circuits_max: registrations_max, circuits_per_id_max: registrations_max,
      pending_max: 1_000, pending_per_prefix_max: 1_000, rate_per_s: 1e9, rate_burst: 1e9, punch_rate_per_s: 1e9, punch_rate_burst: 1e9,
      sources_max: 4_096, verbose_events: false, events_max: 64, transmits_max: 64,
      // One cookie bucket for the whole run: the cookies are computed ahead by a twin server
      // whose secret matches only until the first rotation (rotations draw from the rng).
      cookie_bucket_ms: 1e9,
    },
    xorshift(1),
    // The cookie HMAC as the real rendezvous computes it (runtime-node/cli/commands/rendezvous.ts).
    nodeCrypto,
  );
}

/**
 * Figure 2: REGISTER for id i then LOOKUP from id i of id i-1 (`second` = 'lookup'), or a
 * CONNECT naming its partner: even ids consent to i+1 (`accept`), odd ids dial i-1, so every
 * second connect finds mutual consent and issues a punch to both and opens a relay circuit.
 */
function rendezvousRate(second: 'lookup' | 'connect'): { ops_per_s: number; decode_per_s: number; punches: number } {
  const n = RENDEZVOUS_OPS / 2;
  const sources = Array.from({ length: n }, (_, i) => addr(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 1024 + (i % 60_000)));
  const token = new Uint8Array(16).fill(7);
  const datagrams: Uint8Array[] = [];
  // Registrations echo the server's return-routability cookie (a server built the same way
  // issues the same cookies); connects name each other (consent) and are padded (anti-amplification).
  const cookies = rendezvousServer(n + 1);
  for (let i = 0; i < n; i++) {
    const host = { kind: 'host' as const, addr: sources[i]! };
    const cookie = cookies.cookieFor(2 * i, sources[i]!);
    datagrams.push(encodeRendezvous({ type: 'register', nonce: i, cookie, id: `peer-${i}`, token, rtt_ms: 40, nat: UNKNOWN_NAT, candidates: [host, { kind: 'reflexive', addr: sources[i]! }] }));
    const target = second === 'lookup' ? `peer-${Math.max(0, i - 1)}` : `peer-${i ^ 1}`;
    datagrams.push(
      second === 'lookup'
        ? encodeRendezvous({ type: 'lookup', nonce: i, id: `peer-${i}`, token, target, pad_to: CONTROL_BYTES_MAX })
        : encodeRendezvous({ type: 'connect', nonce: i, id: `peer-${i}`, token, target, mode: i % 2 === 0 ? 'accept' : 'dial', pad_to: CONTROL_BYTES_MAX }),
    );
  }
  let punches = 0;
  const run = (): number => {
    const server = rendezvousServer(n + 1);
    const start = cpuMs();
    for (let k = 0; k < datagrams.length; k++) {
      server.handleDatagram(k, sources[k >> 1]!, datagrams[k]!, SERVER);
      while (server.pollTransmit()) {}
      while (server.pollEvent()) {}
    }
    punches = server.stats.punches;
    return cpuMs() - start;
  };
  run(); // warm-up
  const ms = run();
  const decodeStart = cpuMs();
  for (const d of datagrams) decodeRendezvous(d);
  const decodeMs = cpuMs() - decodeStart;
  return { ops_per_s: (datagrams.length / ms) * 1000, decode_per_s: (datagrams.length / decodeMs) * 1000, punches };
}

function gcFunction(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

/** Figure 3: heap with the table just full vs after a flood of distinct fake registrations. */
function flood(log: (line: string) => void): { full_bytes: number; flood_bytes: number; size: number; max: number } {
  const gc = gcFunction();
  const heap = (): number => {
    gc?.();
    return process.memoryUsage().heapUsed;
  };
  const server = new RendezvousServer({ primary: SERVER, rate_per_s: 1e9, rate_burst: 1e9, verbose_events: false }, xorshift(2));
  const max = server.config.registrations_max;
  const base = heap();
  const token = new Uint8Array(16);
  const send = (i: number): void => {
    const from = addr(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 1024 + (i % 60_000));
    const cookie = server.cookieFor(i, from);
    server.handleDatagram(i, from, encodeRendezvous({ type: 'register', nonce: i, cookie, id: `fake-${i}`, token, rtt_ms: 0, nat: UNKNOWN_NAT, candidates: [{ kind: 'host', addr: from }] }), SERVER);
    while (server.pollTransmit()) {}
    while (server.pollEvent()) {}
  };
  for (let i = 0; i < max; i++) send(i);
  const full = heap() - base;
  for (let i = max; i < FLOOD_REGISTRATIONS; i++) send(i);
  const flooded = heap() - base;
  log(`flood: ${FLOOD_REGISTRATIONS} registrations, table ${server.registry.size}/${max}, heap +${Math.round(full / 1024)} KiB when full, +${Math.round(flooded / 1024)} KiB after the flood${gc ? '' : ' (no gc available: noisy)'}`);
  return { full_bytes: full, flood_bytes: flooded, size: server.registry.size, max };
}

/** Figure 4: one flood run and its no-flood baseline, same seed and honest schedule. */
function honestUnderFlood(owned: boolean, log: (line: string) => void): { flooded: FloodResult; baseline: FloodResult } {
  const options = { ...BENCH_FLOOD, owned_sources: owned };
  const flooded = runFlood(new Simulator({ seed: FLOOD_SEED }), options);
  const baseline = runFlood(new Simulator({ seed: FLOOD_SEED }), { ...options, registrations: 0 });
  const o = flooded.outcome;
  log(`flood (${owned ? 'attacker-owned, cookies echoed' : 'forged'} sources): ${o.flood_registrations} registrations from ${o.flood_sources} sources (${o.flood_prefixes}); honest ${flooded.honest_registered}/${flooded.honest_total}; tables ${o.tables}`);
  return { flooded, baseline };
}

const share = (r: FloodResult): number => r.honest_registered / Math.max(1, r.honest_total);

export async function run(options: Partial<BenchOptions> = {}): Promise<BenchResult> {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const cone = conePairs(log);
  const fast = firstByte(true, log);
  const slow = firstByte(false, log);
  const rate = rendezvousRate('lookup');
  const connectRate = rendezvousRate('connect');
  const mem = flood(log);
  const forged = honestUnderFlood(false, log);
  const botnet = honestUnderFlood(true, log);
  const clash = await measureClash(log);
  const multiple = cone.median_ms / DIRECT_RTT_MS;
  const floodRatio = mem.flood_bytes / Math.max(1, mem.full_bytes);
  const firstByteTarget_ms = FIRST_BYTE_RTTS_MAX * RELAY_RTT_MS;
  const figures: BenchFigure[] = [
    {
      name: `nat-matrix, every pair at 0% loss: both-registered -> first application byte, worst (${fast.worst_cell}); baseline = relay only after punching gives up`,
      value: fast.worst_ms, unit: 'ms', baseline: slow.worst_ms, ratio: fast.worst_ms / slow.worst_ms,
      target: `<= ${FIRST_BYTE_RTTS_MAX} relayed RTT (${firstByteTarget_ms} ms)`, met: fast.missing === 0 && fast.worst_ms >= 0 && fast.worst_ms <= firstByteTarget_ms,
    },
    { name: 'nat-matrix, every pair at 0% loss: both-registered -> first application byte, median', value: fast.median_ms, unit: 'ms', baseline: slow.median_ms, ratio: fast.median_ms / slow.median_ms },
    {
      name: 'nat-matrix, every pair at 0% loss: both-registered -> direct path adopted (validated in the session), median over direct runs', value: fast.median_direct_ms, unit: 'ms', baseline: slow.median_direct_ms,
      ratio: fast.median_direct_ms / slow.median_direct_ms,
    },
    {
      name: 'cone pairs: both-registered -> direct, median', value: cone.median_ms, unit: 'ms', baseline: DIRECT_RTT_MS, ratio: multiple,
      target: `<= ${TARGET_RTT_MULTIPLE} RTT`, met: multiple <= TARGET_RTT_MULTIPLE,
    },
    { name: 'cone pairs: both-registered -> direct, p90', value: cone.p90_ms, unit: 'ms', baseline: DIRECT_RTT_MS, ratio: cone.p90_ms / DIRECT_RTT_MS },
    {
      name: 'rendezvous registrations+lookups', value: Math.round(rate.ops_per_s), unit: '/s', baseline: Math.round(rate.decode_per_s),
      ratio: rate.ops_per_s / rate.decode_per_s, target: `>= ${TARGET_OPS_PER_S.toLocaleString('en')}/s`, met: rate.ops_per_s >= TARGET_OPS_PER_S,
    },
    {
      name: 'rendezvous registrations+connects (every second connect completes consent and issues a punch)', value: Math.round(connectRate.ops_per_s), unit: '/s', baseline: Math.round(connectRate.decode_per_s),
      ratio: connectRate.ops_per_s / connectRate.decode_per_s,
    },
    {
      name: `heap after ${FLOOD_REGISTRATIONS.toLocaleString('en')} fake registrations`, value: mem.flood_bytes, unit: 'B', baseline: mem.full_bytes, ratio: floodRatio,
      target: `<= ${TARGET_FLOOD_RATIO}x heap at a full table (${mem.max})`, met: floodRatio <= TARGET_FLOOD_RATIO && mem.size <= mem.max,
    },
    ...clash.figures,
  ];
  for (const [label, r] of [['forged sources', forged], ['attacker-owned sources echoing cookies', botnet]] as const) {
    const value = share(r.flooded) * 100;
    const baseline = share(r.baseline) * 100;
    figures.push({
      name: `honest registrations within ${REGISTER_DEADLINE_MS_TEXT} during a ${BENCH_FLOOD.registrations.toLocaleString('en')}-registration flood from ${BENCH_FLOOD.sources.toLocaleString('en')} ${label}`,
      value: Number(value.toFixed(2)), unit: '%', baseline: Number(baseline.toFixed(2)), ratio: value / Math.max(1e-9, baseline),
      target: `>= ${TARGET_HONEST_SUCCESS * 100}%`, met: value >= TARGET_HONEST_SUCCESS * 100,
    });
  }
  for (const type of REQUEST_TYPES) {
    const f = forged.flooded.ledger.figures(type);
    if (f.requests === 0) continue;
    const exempt = RATIO_EXEMPT.has(type);
    figures.push({
      name: `worst reply/request bytes to a forged source, ${type} (${f.requests} requests from ${f.sources} sources, largest reply ${f.reply_bytes_max} B)`,
      value: Number(f.worst_ratio.toFixed(3)), unit: 'x', baseline: TARGET_REPLY_RATIO, ratio: f.worst_ratio / TARGET_REPLY_RATIO,
      target: exempt ? 'none (STUN Binding: rate-limited instead)' : `<= ${TARGET_REPLY_RATIO}`,
      ...(exempt ? {} : { met: f.worst_ratio <= TARGET_REPLY_RATIO }),
    });
  }
  const notes = [
    `first byte: ${fast.runs} runs (${matrixPairs().length} pairs x ${FIRST_BYTE_SEEDS} seeds) with full Peers (Noise XX over the relay, then migrated); relayed RTT ${RELAY_RTT_MS} ms, direct RTT ${DIRECT_RTT_MS} ms; baseline column = the same runs with relay_first off`,
    `cone pairs: ${cone.runs} runs over ${CONE_PRESETS.length} presets x ${SEEDS_PER_PAIR} seeds; direct RTT ${DIRECT_RTT_MS} ms; baseline column = 1 RTT`,
    `rendezvous baseline = decoding the same datagrams only (the codec floor); the connect run issued ${connectRate.punches.toLocaleString('en')} punches`,
    `flood: sim seed ${FLOOD_SEED}, ${BENCH_FLOOD.honest + 2} honest peers each behind its own NAT in its own /24, starting evenly over ${BENCH_FLOOD.duration_ms / 1000} s of flood; baseline column = the same run without the flood`,
    ...clash.notes,
    'reply/request: per forged source, max(largest reply / request, all reply bytes / all request bytes); baseline column = the request itself (1x)',
  ];
  const result: BenchResult = { name: 'punch', figures, notes };
  if (!options.json) for (const f of figures) log(`${f.name}: ${f.value} ${f.unit} (baseline ${f.baseline}, ratio ${f.ratio?.toFixed(3)}, target ${f.target ?? '-'}, ${f.met === undefined ? '' : f.met ? 'met' : 'MISSED'})`);
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const json = process.argv.includes('--json');
  const result = await run({ json, args: [] });
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
}
