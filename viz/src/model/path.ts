// The geometry of one datagram in (lane, time) space: the segments of its arrow from send
// through each NAT hop to each delivery or drop, and where the drop marks go. A drop on a
// link recorded at the sending side ends half a lane towards the lane it was headed for
// (from `where: "down:x"` or the destination IP), so the reader sees it die on the wire.

import type { DropEvent, NatEvent } from '../trace/types.ts';
import { ipOf, type Datagram, type TraceModel } from './model.ts';

export interface PathPoint {
  /** lane index; fractional for a drop between two lanes */
  readonly lane: number;
  readonly t: number;
}

export interface PathSegment {
  readonly from: PathPoint;
  readonly to: PathPoint;
}

export interface DatagramPath {
  readonly segments: readonly PathSegment[];
  readonly drops: readonly { readonly at: PathPoint; readonly event: DropEvent }[];
  readonly natHops: readonly { readonly at: PathPoint; readonly event: NatEvent }[];
}

/** How far (in lanes) towards the intended lane a same-lane link drop is drawn: on the wire
 * leaving the node, before the next lane. */
const LINK_DROP_LANES = 0.5;

function headedFor(model: TraceModel, d: Datagram, drop: DropEvent): number | undefined {
  if (drop.where !== undefined) {
    const m = /^(?:down|up):(.+)$/.exec(drop.where);
    if (m !== null && drop.where.startsWith('down:')) {
      const lane = model.laneOf.get(m[1]!);
      if (lane !== undefined) return lane;
    }
  }
  const lastNat = d.nats[d.nats.length - 1];
  const dst = lastNat?.to_dst || drop.dst || d.send?.dst;
  if (dst === undefined || dst === '') return undefined;
  const node = model.nodeOfIp.get(ipOf(dst));
  return node === undefined ? undefined : model.laneOf.get(node);
}

/**
 * Where a drop on a named link sits: on that link, half a lane from its node towards the
 * other end. `up:x` is x's uplink (towards x's NAT, or towards where the datagram was headed
 * for a public node); `down:x` is the link into x (from the hop the datagram came from).
 */
function linkDropLane(model: TraceModel, d: Datagram, drop: DropEvent, lastLane: number): number | undefined {
  const m = drop.where === undefined ? null : /^(up|down):(.+)$/.exec(drop.where);
  if (m === null) return undefined;
  const lane = model.laneOf.get(m[2]!);
  if (lane === undefined) return undefined;
  let other: number | undefined;
  if (m[1] === 'up') {
    const gateway = model.lanes[lane]?.gateway;
    other = gateway !== undefined ? model.laneOf.get(gateway) : headedFor(model, d, drop);
  } else {
    other = lastLane !== lane ? lastLane : (() => {
      const gateway = model.lanes[lane]?.gateway;
      return gateway !== undefined ? model.laneOf.get(gateway) : undefined;
    })();
  }
  if (other === undefined || other === lane) return undefined;
  return lane + Math.sign(other - lane) * LINK_DROP_LANES;
}

export function datagramPath(model: TraceModel, d: Datagram): DatagramPath {
  const laneOf = (node: string): number => model.laneOf.get(node) ?? 0;
  const chain: PathPoint[] = [];
  const origin = d.send ?? d.origin;
  if (origin !== undefined) chain.push({ lane: laneOf(origin.node), t: origin.t });
  else if (d.remoteFrom !== undefined && d.ends[0] !== undefined) chain.push({ lane: laneOf(d.remoteFrom), t: d.ends[0].t });
  const natHops = d.nats.map((event) => ({ at: { lane: laneOf(event.node), t: event.t }, event }));
  for (const hop of natHops) chain.push(hop.at);
  const segments: PathSegment[] = [];
  for (let i = 1; i < chain.length; i++) segments.push({ from: chain[i - 1]!, to: chain[i]! });
  const drops: { at: PathPoint; event: DropEvent }[] = [];
  const last = chain[chain.length - 1];
  for (const end of d.ends) {
    const endLane = laneOf(end.node);
    if (end.kind === 'deliver') {
      if (last !== undefined) segments.push({ from: last, to: { lane: endLane, t: end.t } });
      continue;
    }
    let at: PathPoint = { lane: endLane, t: end.t };
    const onLink = last === undefined ? undefined : linkDropLane(model, d, end, last.lane);
    if (onLink !== undefined) at = { lane: onLink, t: end.t };
    else if (last !== undefined && endLane === last.lane) {
      const target = headedFor(model, d, end);
      if (target !== undefined && target !== last.lane) {
        at = { lane: last.lane + Math.sign(target - last.lane) * LINK_DROP_LANES, t: end.t };
      }
    }
    if (last !== undefined) segments.push({ from: last, to: at });
    drops.push({ at, event: end });
  }
  if (last !== undefined && d.remoteTo !== undefined) segments.push({ from: last, to: { lane: laneOf(d.remoteTo), t: last.t } });
  return { segments, drops, natHops };
}

/** Caches paths per datagram index; a trace's paths never change once built. */
export class PathCache {
  private readonly paths: (DatagramPath | undefined)[];
  constructor(private readonly model: TraceModel) {
    this.paths = new Array<DatagramPath | undefined>(model.datagrams.length);
  }
  get(d: Datagram): DatagramPath {
    let p = this.paths[d.index];
    if (p === undefined) {
      p = datagramPath(this.model, d);
      this.paths[d.index] = p;
    }
    return p;
  }
}
