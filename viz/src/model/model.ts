// The viewer's model of a trace: datagrams joined by packet id (send -> nat hops ->
// deliver/drop), marks (NAT mappings, timers, app events, logs), fault periods, stats
// samples, and lanes. Everything is sorted by time so the renderer can binary-search the
// visible window instead of scanning 200,000 events per frame.

import { layoutLanes, type Lane } from '../layout/lanes.ts';
import type {
  AppEvent,
  DeliverEvent,
  DropEvent,
  FaultEvent,
  LogEvent,
  NatEvent,
  NatExpireEvent,
  NatMapEvent,
  PacketId,
  ParsedTrace,
  SendEvent,
  StatsEvent,
  TimerEvent,
} from '../trace/types.ts';

export type EndEvent = DeliverEvent | DropEvent;
export type MarkEvent = NatMapEvent | NatExpireEvent | TimerEvent | AppEvent | LogEvent;

export interface Datagram {
  /** position in `TraceModel.datagrams` (sorted by t0) */
  index: number;
  readonly id: PacketId;
  send: SendEvent | undefined;
  /** the original's send, when this is a duplicate with no send of its own */
  origin: SendEvent | undefined;
  /** real traces: the lane a send-less delivery came from / a delivery-less send went to */
  remoteFrom?: string;
  remoteTo?: string;
  readonly nats: NatEvent[];
  readonly ends: EndEvent[];
  proto: string;
  bytes: number;
  /** earliest and latest time of any of its events */
  t0: number;
  t1: number;
}

export interface Mark {
  readonly index: number;
  readonly event: MarkEvent;
  readonly lane: number;
}

export interface FaultPeriod {
  readonly name: string;
  readonly node: string;
  readonly start: FaultEvent;
  readonly end: FaultEvent | undefined;
  readonly from_ms: number;
  readonly to_ms: number;
}

export interface TraceModel {
  readonly trace: ParsedTrace;
  readonly lanes: readonly Lane[];
  readonly laneOf: ReadonlyMap<string, number>;
  /** sorted by t0 */
  readonly datagrams: readonly Datagram[];
  readonly datagramById: ReadonlyMap<PacketId, Datagram>;
  /** longest t1 - t0 of any datagram: bounds the backwards look of a window query */
  readonly datagramSpanMax_ms: number;
  /** sorted by t */
  readonly marks: readonly Mark[];
  /** sorted by t */
  readonly drops: readonly DropEvent[];
  readonly faults: readonly FaultPeriod[];
  readonly stats: readonly StatsEvent[];
  /** IP text -> node name (host IPs and NAT external IPs), to guess where a datagram was headed */
  readonly nodeOfIp: ReadonlyMap<string, string>;
  readonly t_min: number;
  readonly t_max: number;
  /** every distinct event time, ascending (for idle compression) */
  readonly times: Float64Array;
}

/** The IP part of "1.2.3.4:5" or "[::1]:5". */
export function ipOf(address: string): string {
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    return close > 0 ? address.slice(1, close) : address;
  }
  const colon = address.lastIndexOf(':');
  return colon > 0 && address.indexOf(':') === colon ? address.slice(0, colon) : address;
}

export function buildModel(trace: ParsedTrace): TraceModel {
  const topology = trace.header?.topology ?? { nodes: [], realms: [] };
  const eventNodes: string[] = [];
  const seenNodes = new Set<string>();
  for (const e of trace.events) {
    // faults are drawn across every lane; their node ("sim") needs no lane of its own
    if (e.kind !== 'fault' && !seenNodes.has(e.node)) {
      seenNodes.add(e.node);
      eventNodes.push(e.node);
    }
  }
  const nodeOfIp = new Map<string, string>();
  for (const n of topology.nodes) {
    for (const ip of n.ips) nodeOfIp.set(ip, n.name);
    for (const ip of n.outside) nodeOfIp.set(ip, n.name);
  }

  const byId = new Map<PacketId, Datagram>();
  const datagrams: Datagram[] = [];
  const markEvents: MarkEvent[] = [];
  const drops: DropEvent[] = [];
  const stats: StatsEvent[] = [];
  const faults: FaultPeriod[] = [];
  const openFaults = new Map<string, FaultEvent[]>();
  const times: number[] = [];

  const datagramFor = (id: PacketId, t: number): Datagram => {
    let d = byId.get(id);
    if (d === undefined) {
      d = { index: datagrams.length, id, send: undefined, origin: undefined, nats: [], ends: [], proto: 'unknown', bytes: 0, t0: t, t1: t };
      byId.set(id, d);
      datagrams.push(d);
    }
    if (t < d.t0) d.t0 = t;
    if (t > d.t1) d.t1 = t;
    return d;
  };

  for (const e of trace.events) {
    if (times.length === 0 || times[times.length - 1] !== e.t) times.push(e.t);
    switch (e.kind) {
      case 'send': {
        const d = datagramFor(e.id, e.t);
        if (d.send === undefined) {
          d.send = e;
          d.proto = e.proto;
          d.bytes = e.bytes;
        }
        break;
      }
      case 'nat':
        datagramFor(e.id, e.t).nats.push(e);
        break;
      case 'deliver':
      case 'drop': {
        const d = datagramFor(e.id, e.t);
        d.ends.push(e);
        if (d.bytes === 0) d.bytes = e.bytes;
        if (e.kind === 'drop') drops.push(e);
        break;
      }
      case 'stats':
        stats.push(e);
        break;
      case 'fault': {
        const key = `${e.name}\u0000${e.node}`;
        if (e.state === 'end') {
          const open = openFaults.get(key);
          const start = open?.shift();
          if (start !== undefined) faults.push({ name: e.name, node: e.node, start, end: e, from_ms: start.t, to_ms: e.t });
        } else {
          const open = openFaults.get(key) ?? [];
          open.push(e);
          openFaults.set(key, open);
        }
        break;
      }
      case 'event':
        // rudp reports its congestion/RTT samples as application events named `stats`
        // (protocol/rudp/events.ts): chart them, do not draw thousands of dots
        if (e.name === 'stats' && typeof e.data === 'object' && e.data !== null && !Array.isArray(e.data)) {
          stats.push({ kind: 'stats', t: e.t, node: e.node, line: e.line, raw: e.raw, data: e.data as Readonly<Record<string, unknown>> });
        } else markEvents.push(e);
        break;
      default:
        markEvents.push(e);
    }
  }

  const t_min = times.length > 0 ? times[0]! : 0;
  const t_max = times.length > 0 ? times[times.length - 1]! : 0;
  // A fault that never ended runs to the end of the trace.
  for (const open of openFaults.values()) {
    for (const start of open) faults.push({ name: start.name, node: start.node, start, end: undefined, from_ms: start.t, to_ms: t_max });
  }
  faults.sort((a, b) => a.from_ms - b.from_ms);

  // Duplicates without a send of their own draw from the original's send.
  for (const d of datagrams) {
    if (d.send !== undefined) continue;
    const dupOf = d.ends[0]?.raw.dup_of ?? d.nats[0]?.raw.dup_of;
    if (typeof dupOf === 'number' || typeof dupOf === 'string') {
      const original = byId.get(dupOf);
      if (original?.send !== undefined) {
        d.origin = original.send;
        d.proto = original.proto;
      }
    }
  }

  // A real trace holds one side of each exchange: sends with no delivery and deliveries
  // with no send. Their far end gets a lane named by its address (or the node owning it).
  if (trace.header?.world === 'real') {
    const remoteLane = (address: string): string => nodeOfIp.get(ipOf(address)) ?? address;
    for (const d of datagrams) {
      const end = d.ends[0];
      if (d.send === undefined && d.origin === undefined && end !== undefined && end.src !== '') d.remoteFrom = remoteLane(end.src);
      if (d.send !== undefined && d.ends.length === 0 && d.nats.length === 0) d.remoteTo = remoteLane(d.send.dst);
      for (const name of [d.remoteFrom, d.remoteTo]) {
        if (name !== undefined && !seenNodes.has(name)) {
          seenNodes.add(name);
          eventNodes.push(name);
        }
      }
    }
  }
  const lanes = layoutLanes(topology, eventNodes);
  const laneOf = new Map(lanes.map((l) => [l.name, l.index]));
  const marks: Mark[] = markEvents.map((event, index) => ({ index, event, lane: laneOf.get(event.node) ?? 0 }));

  // Events arrive sorted, so datagrams are already sorted by first event time (t0).
  let spanMax = 0;
  for (const d of datagrams) {
    const from = d.send?.t ?? d.origin?.t ?? d.t0;
    if (from < d.t0) d.t0 = from;
    spanMax = Math.max(spanMax, d.t1 - d.t0);
  }
  datagrams.sort((a, b) => a.t0 - b.t0 || a.index - b.index);
  datagrams.forEach((d, i) => (d.index = i));

  return {
    trace,
    lanes,
    laneOf,
    datagrams,
    datagramById: byId,
    datagramSpanMax_ms: spanMax,
    marks,
    drops,
    faults,
    stats,
    nodeOfIp,
    t_min,
    t_max,
    times: Float64Array.from(times),
  };
}

/** First index in a sorted array whose key is >= value. */
export function lowerBound<T>(items: readonly T[], value: number, key: (item: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(items[mid]!) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
