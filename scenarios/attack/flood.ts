// attack/flood: a rendezvous server under a spoofed flood while honest peers come and go.
// Thousands of forged sources (IPv4 /24s and IPv6 /64s) send fresh registrations, forged
// re-registrations of live honest ids, and connects/lookups carrying a registered stranger's
// valid token; a stranger squats ids from its own addresses and asks to punch an honest peer
// that never named it. Honest peers start registering throughout the flood. Expectations come
// from the server's config: every honest peer registers within a deadline, every table stays
// within its named limit, no forged source gets more bytes back than it sent (STUN Binding
// aside), no honest peer is sent a punch for a stranger, and no id changes hands.
import { addr, type Addr } from '../../protocol/core/addr.ts';
import { MSG } from '../../protocol/punch/rendezvous-wire.ts';
import { decodeRendezvous } from '../../protocol/punch/rendezvous-wire.ts';
import { RendezvousServer } from '../../protocol/punch/rendezvous-server.ts';
import { tokensEqual } from '../../protocol/punch/registry.ts';
import type { Rng } from '../../protocol/core/rng.ts';
import type { Simulator } from '../../runtime-sim/index.ts';
import { atMost, equal, holds } from '../expect.ts';
import type { Outcome, Scenario } from '../scenario.ts';
import { fixed, honestClient, PEER_PORT, SERVER_IP, SERVER_PORT, startClient, STRANGER_HOST, STRANGER_IPS, type ClientRecord } from './punch-peers.ts';
import { RATIO_EXEMPT, REQUEST_TYPES, ReplyLedger, ReplySink, type RequestType } from './reply-ledger.ts';
import { floodRegistration, scheduleFlood, spoofedSources, SPOOF_PORT, type FloodPlan } from './spoofed-flood.ts';
import { StrangerRegistrant } from './stranger-registrant.ts';
import { watchTables } from './table-limits.ts';

export interface FloodOptions {
  /** Registrations in the spoofed flood (0: the no-flood baseline). */
  readonly registrations: number;
  readonly sources: number;
  readonly duration_ms: number;
  /** Honest clients besides the punching pair a -> b, started evenly over the flood. */
  readonly honest: number;
  /** Ids the stranger tries to hold from each of its two addresses (one /24, one /64). */
  readonly squatters: number;
  readonly probe_sources_per_type: number;
  readonly probe_requests_per_source: number;
  /**
   * The flood's sources are the attacker's own (a botnet): they receive the server's replies
   * and echo its cookies. Otherwise they are forged and never answer.
   */
  readonly owned_sources: boolean;
}

export const FLOOD_SCENARIO: FloodOptions = {
  registrations: 24_000,
  sources: 4_000,
  duration_ms: 6_000,
  honest: 24,
  squatters: 300,
  probe_sources_per_type: 32,
  probe_requests_per_source: 8,
  owned_sources: false,
};

/** An honest client counts as registered when it hears `registered` within this of starting. */
export const REGISTER_DEADLINE_MS = 5_000;
const FLOOD_START_MS = 1_000;
const STRANGER_START_MS = 2_000;
/** After the flood, time for the last honest clients to finish registering. */
const SETTLE_MS = REGISTER_DEADLINE_MS + 1_000;

export interface FloodResult {
  readonly outcome: Outcome;
  readonly ledger: ReplyLedger;
  readonly honest_total: number;
  readonly honest_registered: number;
}

/** Honest public IPs: each in its own /24 of 198.19.0.0/16. */
const honestIp = (i: number): string => `198.19.${i & 255}.${10 + (i >> 8)}`;

/** Builds the server under attack (tests pass a deliberately weakened one to see the checks fail). */
export type ServerFactory = (config: { primary: Addr; verbose_events: boolean }, rng: Rng) => RendezvousServer;

export function runFlood(sim: Simulator, options: FloodOptions, makeServer: ServerFactory = (config, rng) => new RendezvousServer(config, rng)): FloodResult {
  const server = addr(SERVER_IP, SERVER_PORT);
  sim.addHost({ name: 'rendezvous', ips: [SERVER_IP], role: 'server', link: fixed(5) });
  const rendezvous = makeServer({ primary: server, verbose_events: false }, sim.rng.fork('rendezvous'));
  sim.run('rendezvous', rendezvous, { port: SERVER_PORT });
  const end_ms = FLOOD_START_MS + options.duration_ms + SETTLE_MS;
  const tables = watchTables(sim, rendezvous, end_ms, STRANGER_IPS.map((ip) => addr(ip, PEER_PORT)));

  // The punching pair registers before the flood; b's NAT filters by endpoint only (full cone).
  const a = honestClient(sim, 'a', '203.0.113.10', 1, 'port-restricted-cone', server, { connect_to: 'b' });
  const b = honestClient(sim, 'b', '198.51.101.20', 2, 'full-cone', server, { accept_from: 'a' });
  const honest: ClientRecord[] = [a, b];
  for (let i = 0; i < options.honest; i++) {
    const at = FLOOD_START_MS + Math.floor(((i + 0.5) * options.duration_ms) / options.honest);
    sim.at(at, () => honest.push(honestClient(sim, `h${i}`, honestIp(i), 16 + i, 'port-restricted-cone', server)));
  }

  // The stranger: a registered attacker that asks to punch b, squatters on the live ids a and
  // b, and as many fresh ids as it can hold from its /24 and its /64 (it can echo cookies).
  // Squatters spread over 100 addresses of the stranger's /24 and one address each in its /64
  // (rotating IPv6 addresses must not buy more than one prefix's quota).
  const squatterAddr = (k: number, i: number): Addr =>
    k === 0 ? addr(`192.0.2.${100 + (i % 100)}`, 10_000 + i) : addr(`2001:db8:ffff::${(0x1000 + i).toString(16)}`, 10_000 + i);
  const squatterIps = new Set<string>();
  for (let i = 0; i < options.squatters; i++) for (const k of [0, 1]) squatterIps.add(squatterAddr(k, i).ip);
  sim.addHost({ name: STRANGER_HOST, ips: [...STRANGER_IPS, ...squatterIps], link: fixed(5) });
  const port = sim.adversaryPort(STRANGER_HOST);
  const strangerToken = sim.rng.fork('token:mallory').nextBytes(16);
  const stranger: ClientRecord[] = [];
  const squats: ClientRecord[] = [];
  const holders: StrangerRegistrant[] = [];
  sim.at(STRANGER_START_MS, () => {
    sim.run(STRANGER_HOST, new StrangerRegistrant('mallory-big', sim.rng.fork('token:mallory-big').nextBytes(16), server, undefined, 'mallory'), { addresses: [addr(STRANGER_IPS[1], 7000)] });
    stranger.push(startClient(sim, STRANGER_HOST, 'mallory', addr(STRANGER_IPS[0], PEER_PORT), server, STRANGER_IPS[0], { connect_to: 'b', token: strangerToken }));
    ['a', 'b'].forEach((id, i) => squats.push(startClient(sim, STRANGER_HOST, id, addr(STRANGER_IPS[i], 6000 + i), server, STRANGER_IPS[i])));
    const squatRng = sim.rng.fork('squatters');
    for (let i = 0; i < options.squatters; i++) {
      for (const k of [0, 1]) {
        const holder = new StrangerRegistrant(`squat-${k}-${i}`, squatRng.nextBytes(16), server, 0);
        holders.push(holder);
        sim.run(STRANGER_HOST, holder, { addresses: [squatterAddr(k, i)] });
      }
    }
  });

  // The forged sources and the sink that counts what the server sends them.
  const types: RequestType[] = [...REQUEST_TYPES];
  const sources = spoofedSources(options, types);
  const ledger = new ReplyLedger();
  sim.addHost({ name: 'forged-sources', ips: [...sources.ips], link: fixed(5) });
  // A botnet answers each cookie with the same registration, cookie echoed, from the same address.
  const echoCookie = (_remote: Addr, data: Uint8Array, local: Addr): Uint8Array | undefined => {
    if (data[0] !== MSG.cookie) return undefined;
    const m = decodeQuietly(data);
    if (m?.type !== 'cookie' || m.nonce >= sent.registrations_sent) return undefined;
    if (sources.flood[m.nonce % sources.flood.length]?.ip !== local.ip) return undefined;
    const again = floodRegistration(m.nonce, local, m.cookie);
    ledger.request(local, 'register', again.byteLength);
    return again;
  };
  const sink = new ReplySink(ledger, options.owned_sources ? echoCookie : undefined);
  sim.run('forged-sources', sink, { port: SPOOF_PORT });
  const plan: FloodPlan = {
    registrations: options.registrations,
    sources: options.sources,
    start_ms: FLOOD_START_MS,
    duration_ms: options.duration_ms,
    probe_sources_per_type: options.registrations > 0 ? options.probe_sources_per_type : 0,
    probe_requests_per_source: options.probe_requests_per_source,
    stranger: { id: 'mallory', token: strangerToken },
    victim_id: 'b',
    lookup_target: 'mallory-big',
    squat_ids: ['a', 'b'],
  };
  const sent = scheduleFlood(sim, server, plan, sources, ledger, (src, dst, data) => port.inject(src, dst, data), sim.rng.fork('flood'));

  // Punches the server sends an honest peer's public address for anyone but its partner.
  const honestIps = new Map<string, string>();
  const partner = new Map<string, string>([['a', 'b'], ['b', 'a']]);
  let strangerPunches = 0;
  port.observe((_realm, src, dst, data, from) => {
    if (from === STRANGER_HOST || data[0] !== MSG.punch || src.ip !== SERVER_IP) return;
    const id = honestIps.get(dst.ip);
    if (id === undefined) return;
    const m = decodeQuietly(data);
    if (m?.type === 'punch' && m.peer !== partner.get(id)) strangerPunches++;
  });
  for (const h of [a, b]) honestIps.set(h.public_ip, h.id);
  for (let i = 0; i < options.honest; i++) honestIps.set(honestIp(i), `h${i}`);

  sim.runUntil(end_ms);

  const inTime = (r: ClientRecord): boolean => r.registered_at !== undefined && r.registered_at - r.started_at <= REGISTER_DEADLINE_MS;
  const honestRegistered = honest.filter(inTime).length;
  const late = honest.filter((r) => !inTime(r)).map((r) => r.id);
  const aPath = a.events.find((e) => e.type === 'path');
  const owns = (r: ClientRecord): boolean => {
    const entry = rendezvous.registry.lookup(sim.now, r.id);
    return entry !== undefined && tokensEqual(entry.token, r.client.config.token);
  };
  const totals = ledger.totals(RATIO_EXEMPT);
  // A per-prefix limit bounds the answers to each forged prefix over the flood (plus one
  // second for cookie echoes in flight), however many of its addresses are forged.
  const perPrefix = ledger.repliesPerPrefix(new Set<RequestType>(['register']));
  const busiest = [...perPrefix].reduce<[string, number]>((best, entry) => (entry[1] > best[1] ? entry : best), ['none', 0]);
  const budget = Math.floor(rendezvous.config.rate_burst + (rendezvous.config.rate_per_s * (options.duration_ms + 1_000)) / 1_000);
  const outcome: Outcome = {
    honest_registered: honestRegistered,
    honest_total: honest.length,
    honest_late: late.slice(0, 8).join(',') || 'none',
    a_b_path: aPath && aPath.type === 'path' ? aPath.path : 'none',
    // Every honest peer still holds its id at the end (nobody took it over or evicted it).
    ids_kept: honest.every(owns),
    squatted_live_ids: squats.filter((s) => (s.id === 'a' || s.id === 'b') && s.registered_at !== undefined).length,
    squatted_ids: holders.filter((h) => h.registered).length,
    squat_attempts: holders.length,
    stranger_punches_to_honest: strangerPunches,
    tables: tables.summary(),
    tables_over_limit: tables.overLimit().join('; ') || 'none',
    flood_registrations: sent.registrations_sent,
    flood_sources: options.sources,
    flood_prefixes: `${sources.v4_prefixes} /24 + ${sources.v6_prefixes} /64`,
    forged_request_bytes: totals.request_bytes,
    forged_reply_bytes: totals.reply_bytes,
    reflection_ratio: round(totals.reply_bytes / Math.max(1, totals.request_bytes)),
    replies_to_busiest_forged_prefix: busiest[1],
    busiest_forged_prefix: busiest[0],
    reply_budget_per_prefix: budget,
  };
  for (const type of types) {
    const f = ledger.figures(type);
    if (f.requests > 0) outcome[`ratio_${type}`] = round(f.worst_ratio);
  }
  return { outcome, ledger, honest_total: honest.length, honest_registered: honestRegistered };
}

/** A rendezvous message, or undefined for bytes that do not decode (the receiver drops them too). */
function decodeQuietly(data: Uint8Array): ReturnType<typeof decodeRendezvous> | undefined {
  try {
    return decodeRendezvous(data);
  } catch {
    return undefined;
  }
}

function round(x: number): number {
  return Number(x.toFixed(3));
}

const ratioExpectations = REQUEST_TYPES.filter((t) => !RATIO_EXEMPT.has(t)).map((t) =>
  holds(`no forged ${t} gets more bytes back than it sent`, (o) => {
    const v = o[`ratio_${t}`];
    if (v === undefined) return true; // this type was not sent in this run
    return typeof v === 'number' && v <= 1 ? true : `worst reply/request for ${t} is ${v}, want <= 1`;
  }),
);

function floodScenario(name: string, options: FloodOptions, who: string, slow: boolean): Scenario {
  return {
    name,
    slow,
    description: `${options.registrations.toLocaleString('en')} registrations from ${options.sources.toLocaleString('en')} ${who} IPv4/IPv6 sources, forged connects/lookups with a stranger's token, id squatters and stranger punches, while ${options.honest} honest peers register`,
    suites: ['attack'],
    figures: ['honest_registered', 'honest_total', 'a_b_path', 'tables', 'stranger_punches_to_honest', 'reflection_ratio', 'ratio_register', 'ratio_connect', 'ratio_lookup'],
    run: (sim) => runFlood(sim, options).outcome,
    expectations: [
      holds('every honest peer registers within the deadline', (o) =>
        o.honest_registered === o.honest_total ? true : `${o.honest_registered}/${o.honest_total} registered within ${REGISTER_DEADLINE_MS} ms (late: ${o.honest_late})`,
      ),
      equal('a_b_path', 'direct'),
      equal('tables_over_limit', 'none'),
      equal('ids_kept', true),
      equal('squatted_live_ids', 0),
      equal('stranger_punches_to_honest', 0),
      atMost('reflection_ratio', 1),
      holds('answers to each forged prefix stay within its rate budget', (o) =>
        Number(o.replies_to_busiest_forged_prefix) <= Number(o.reply_budget_per_prefix)
          ? true
          : `${o.busiest_forged_prefix} got ${o.replies_to_busiest_forged_prefix} answers, budget rate_burst + rate_per_s x flood = ${o.reply_budget_per_prefix}`,
      ),
      ...ratioExpectations,
    ],
  };
}

export const attackFlood = floodScenario('attack/flood', FLOOD_SCENARIO, 'spoofed', false);
/**
 * The same flood from addresses the attacker owns: it echoes every cookie (a botnet), so the
 * server does twice the work (slow: test/scenarios/attack-botnet.test.ts checks it every run).
 */
export const attackFloodBotnet = floodScenario('attack/flood-botnet', { ...FLOOD_SCENARIO, owned_sources: true }, 'attacker-owned', true);
