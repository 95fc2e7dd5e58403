// The off-path spoofer of the attack suite: thousands of forged source addresses spread over
// IPv4 /24s and IPv6 /64s (scattered like a botnet, and packed into a few prefixes like one
// hosting provider), a registration flood from them, and a few hundred requests of every
// other type (connect and lookup carrying a registered stranger's valid token, STUN Binding
// with and without CHANGE-REQUEST, relay frames, probes). Datagrams go out through the
// simulator's adversary port (Simulator.adversaryPort: a host allowed to spoof); the forged
// addresses belong to a sink host that only counts replies (reply-ledger.ts).
import { addr, type Addr } from '../../protocol/core/addr.ts';
import { STUN_MAGIC_COOKIE } from '../../protocol/core/demux.ts';
import { UNKNOWN_NAT } from '../../protocol/punch/nat-report.ts';
import { encodeRendezvous, PROBE_NOMINATE } from '../../protocol/punch/rendezvous-wire.ts';
import type { Simulator } from '../../runtime-sim/index.ts';
import type { ReplyLedger, RequestType } from './reply-ledger.ts';

/** The UDP port every forged source "sends" from (the sink listens there on every address). */
export const SPOOF_PORT = 4444;
/** Flood datagrams are released in batches this far apart in virtual time. */
const TICK_MS = 10;
/** What a forged registration echoes as its return-routability cookie: a spoofer never sees one. */
const NO_COOKIE = new Uint8Array(16);

export interface FloodPlan {
  /** Registrations in the flood, each a fresh id. */
  readonly registrations: number;
  /** Forged sources of the registration flood (split 2:1:1 scattered IPv4 / dense IPv4 / IPv6). */
  readonly sources: number;
  readonly start_ms: number;
  readonly duration_ms: number;
  /** Forged sources per other request type (half IPv4, half IPv6), each sending `per_source`. */
  readonly probe_sources_per_type: number;
  readonly probe_requests_per_source: number;
  /** The registered stranger whose valid token the forged connects and lookups carry. */
  readonly stranger: { readonly id: string; readonly token: Uint8Array };
  /** A registered honest peer: half the forged connects ask to be punched with it. */
  readonly victim_id: string;
  /** The stranger's own id with the largest record: what forged lookups ask for. */
  readonly lookup_target: string;
  /** Ids the flood also tries to take over (registered honest peers). */
  readonly squat_ids: readonly string[];
}

export interface SpoofedSources {
  /** Sources of the registration flood. */
  readonly flood: readonly Addr[];
  /** Sources of each other request type. */
  readonly probes: ReadonlyMap<RequestType, readonly Addr[]>;
  /** Every forged IP (for the sink host). */
  readonly ips: readonly string[];
  /** Distinct /24 and /64 prefixes among the flood sources. */
  readonly v4_prefixes: number;
  readonly v6_prefixes: number;
}

const hex = (n: number): string => n.toString(16);

/**
 * Half the flood sources in distinct IPv4 /24s (44.x.y.1), a quarter packed 250 to a /24
 * (45.0.k.j), a quarter packed 250 to an IPv6 /64 (2001:db8:k::j).
 */
export function spoofedSources(plan: Pick<FloodPlan, 'sources' | 'probe_sources_per_type'>, types: readonly RequestType[]): SpoofedSources {
  const flood: Addr[] = [];
  const scattered = Math.floor(plan.sources / 2);
  const dense = Math.floor(plan.sources / 4);
  const v6 = plan.sources - scattered - dense;
  for (let i = 0; i < scattered; i++) flood.push(addr(`44.${(i >> 8) & 255}.${i & 255}.1`, SPOOF_PORT));
  for (let i = 0; i < dense; i++) flood.push(addr(`45.0.${Math.floor(i / 250)}.${1 + (i % 250)}`, SPOOF_PORT));
  for (let i = 0; i < v6; i++) flood.push(addr(`2001:db8:${hex(Math.floor(i / 250))}::${hex(1 + (i % 250))}`, SPOOF_PORT));
  const probes = new Map<RequestType, Addr[]>();
  types.forEach((type, t) => {
    const list: Addr[] = [];
    for (let i = 0; i < plan.probe_sources_per_type; i++) {
      list.push(i % 2 === 0 ? addr(`46.${t}.${i >> 1}.1`, SPOOF_PORT) : addr(`2001:db8:1${hex(t)}::${hex(1 + (i >> 1))}`, SPOOF_PORT));
    }
    probes.set(type, list);
  });
  const ips = [...flood, ...[...probes.values()].flat()].map((a) => a.ip);
  return {
    flood,
    probes,
    ips,
    v4_prefixes: scattered + Math.ceil(dense / 250),
    v6_prefixes: Math.ceil(v6 / 250),
  };
}

/** A STUN Binding request (RFC 8489), with a CHANGE-REQUEST asking for both changes when `change`. */
function stunBinding(txid: Uint8Array, change: boolean): Uint8Array {
  const out = new Uint8Array(20 + (change ? 8 : 0));
  const view = new DataView(out.buffer);
  view.setUint16(0, 0x0001);
  view.setUint16(2, change ? 8 : 0);
  view.setUint32(4, STUN_MAGIC_COOKIE);
  out.set(txid, 8);
  if (change) {
    view.setUint16(20, 0x0003); // CHANGE-REQUEST
    view.setUint16(22, 4);
    view.setUint32(24, 0x06); // change IP and port
  }
  return out;
}

function tokenFor(seq: number): Uint8Array {
  const token = new Uint8Array(16);
  new DataView(token.buffer).setUint32(0, seq + 1);
  token[15] = 0x5a;
  return token;
}

/** Registration number `seq` of the flood, from `source`, echoing `cookie` (none: all zero). */
export function floodRegistration(seq: number, source: Addr, cookie: Uint8Array = NO_COOKIE): Uint8Array {
  return encodeRendezvous({ type: 'register', nonce: seq, cookie, id: `flood-${seq}`, token: tokenFor(seq), rtt_ms: 0, nat: UNKNOWN_NAT, candidates: [{ kind: 'host', addr: source }] });
}

export interface FloodCounters {
  registrations_sent: number;
  probes_sent: number;
}

/**
 * Scripts the whole spoofed flood on `sim`: every TICK_MS from `start_ms`, the next batch of
 * registrations (round-robin over the flood sources) and of other requests. `inject` sends a
 * datagram with a forged source; every request is written into `ledger` first.
 */
export function scheduleFlood(
  sim: Simulator,
  server: Addr,
  plan: FloodPlan,
  sources: SpoofedSources,
  ledger: ReplyLedger,
  inject: (src: Addr, dst: Addr, data: Uint8Array) => void,
  rng: { nextUint32(): number; nextBytes(n: number): Uint8Array },
): FloodCounters {
  const counters: FloodCounters = { registrations_sent: 0, probes_sent: 0 };
  const ticks = Math.max(1, Math.ceil(plan.duration_ms / TICK_MS));
  const probeList: Array<[RequestType, Addr]> = [];
  for (const [type, list] of sources.probes) for (const source of list) probeList.push([type, source]);
  const probesTotal = probeList.length * plan.probe_requests_per_source;
  let registrationsDone = 0;
  let probesDone = 0;
  const send = (source: Addr, type: RequestType, data: Uint8Array): void => {
    ledger.request(source, type, data.byteLength);
    inject(source, server, data);
  };
  const probeData = (type: RequestType): Uint8Array => {
    const nonce = rng.nextUint32();
    const { id, token } = plan.stranger;
    switch (type) {
      case 'register': // a forged registration of a live honest id: a squat attempt
        return encodeRendezvous({ type: 'register', nonce, cookie: NO_COOKIE, id: plan.squat_ids[nonce % plan.squat_ids.length] ?? 'x', token: tokenFor(nonce), rtt_ms: 0, nat: UNKNOWN_NAT, candidates: [] });
      case 'connect': {
        // Half name the honest victim (a punch it never asked for), half an id the flood
        // registered from a forged source (punches reflected to whoever owns that address).
        const target = nonce % 2 === 0 || registrationsDone === 0 ? plan.victim_id : `flood-${nonce % registrationsDone}`;
        return encodeRendezvous({ type: 'connect', nonce, id, token, target, mode: 'dial' });
      }
      case 'lookup':
        return encodeRendezvous({ type: 'lookup', nonce, id, token, target: plan.lookup_target });
      case 'stun-binding':
        return stunBinding(rng.nextBytes(12), false);
      case 'stun-change-request':
        return stunBinding(rng.nextBytes(12), true);
      case 'relay':
        return encodeRendezvous({ type: 'relay', session: rng.nextUint32(), payload: rng.nextBytes(64) });
      case 'probe':
        return encodeRendezvous({ type: 'probe', session: rng.nextUint32(), key: rng.nextBytes(8), tx: nonce, flags: PROBE_NOMINATE });
    }
  };
  const tick = (k: number): void => {
    const regTarget = Math.round((plan.registrations * (k + 1)) / ticks);
    for (; registrationsDone < regTarget; registrationsDone++) {
      const seq = registrationsDone;
      const source = sources.flood[seq % sources.flood.length]!;
      send(source, 'register', floodRegistration(seq, source));
      counters.registrations_sent++;
    }
    const probeTarget = Math.round((probesTotal * (k + 1)) / ticks);
    for (; probesDone < probeTarget; probesDone++) {
      const [type, source] = probeList[probesDone % probeList.length]!;
      send(source, type, probeData(type));
      counters.probes_sent++;
    }
    if (k + 1 < ticks) sim.at(plan.start_ms + (k + 1) * TICK_MS, () => tick(k + 1));
  };
  sim.at(plan.start_ms, () => tick(0));
  return counters;
}
