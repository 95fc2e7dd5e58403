// The outcome of each peer pair, for the header a newcomer reads first: which path the peers
// ended on (direct or relay, by which technique), how long that took, when the secure
// handshake finished, the transfer's goodput, and the pair's drops by reason. Pure: built
// from the app events (`path`, `punch-start`, `punch-failed`, `connected`/`session-open`,
// `transfer-end`) and the drops of datagrams the pair sent.

import type { AppEvent, DropEvent } from '../trace/types.ts';
import type { TraceModel } from './model.ts';

export interface PairOutcome {
  /** "a ↔ b", or one node's name when its peer is unknown */
  readonly label: string;
  readonly nodes: readonly string[];
  /** the last `path` event either side reported */
  readonly path: AppEvent | undefined;
  /** the first `punch-start` */
  readonly punchStart: AppEvent | undefined;
  readonly punchFailures: number;
  /** the first `connected` (or `session-open`): the handshake is done */
  readonly handshake: AppEvent | undefined;
  /** the first `transfer-end` */
  readonly transferEnd: AppEvent | undefined;
  /** bytes per ms over the transfer (handshake to transfer-end), when both are known */
  readonly goodput_bytes_per_ms: number | undefined;
  /** drops of datagrams either node sent, by reason: count and the first one */
  readonly drops: ReadonlyMap<string, { readonly count: number; readonly first: DropEvent }>;
}

/** Pairs shown at most (a mesh of hundreds gets a peer picker, not a header). */
export const OUTCOME_PAIRS_MAX = 8;

function field(e: AppEvent, key: string): unknown {
  const d = e.data;
  return typeof d === 'object' && d !== null ? (d as Record<string, unknown>)[key] : undefined;
}

export function pairOutcomes(model: TraceModel): PairOutcome[] {
  const lanes = new Set(model.lanes.map((l) => l.name));
  const pairOf = new Map<string, string>();
  const pairs = new Map<string, string[]>();
  const keyFor = (node: string, peer: unknown): string => {
    const known = pairOf.get(node);
    if (known !== undefined) return known;
    const nodes = typeof peer === 'string' && lanes.has(peer) && peer !== node ? [node, peer].sort() : [node];
    const key = nodes.join('\u0000');
    if (!pairs.has(key)) pairs.set(key, nodes);
    for (const n of nodes) if (!pairOf.has(n)) pairOf.set(n, key);
    return key;
  };
  const events: AppEvent[] = [];
  for (const m of model.marks) {
    const e = m.event;
    if (e.kind !== 'event') continue;
    if (e.name === 'path' || e.name === 'punch-start' || e.name === 'punch-failed') keyFor(e.node, field(e, 'peer'));
    events.push(e);
  }
  // nodes that connected without a rendezvous (a direct transfer) are a "pair" of one
  for (const e of events) if ((e.name === 'connected' || e.name === 'session-open' || e.name === 'transfer-end') && !pairOf.has(e.node)) keyFor(e.node, undefined);
  const out: PairOutcome[] = [];
  for (const [key, nodes] of pairs) {
    if (out.length >= OUTCOME_PAIRS_MAX) break;
    const mine = events.filter((e) => pairOf.get(e.node) === key);
    const named = (name: string): AppEvent[] => mine.filter((e) => e.name === name);
    const paths = named('path');
    const handshake = named('connected')[0] ?? named('session-open')[0];
    const transferEnd = named('transfer-end')[0];
    const bytes = transferEnd === undefined ? undefined : field(transferEnd, 'bytes');
    const goodput =
      transferEnd !== undefined && handshake !== undefined && typeof bytes === 'number' && transferEnd.t > handshake.t ? bytes / (transferEnd.t - handshake.t) : undefined;
    const drops = new Map<string, { count: number; first: DropEvent }>();
    for (const dr of model.drops) {
      const d = model.datagramById.get(dr.id);
      const sender = d?.send?.node ?? d?.origin?.node;
      if (sender === undefined || !nodes.includes(sender)) continue;
      const seen = drops.get(dr.reason);
      if (seen === undefined) drops.set(dr.reason, { count: 1, first: dr });
      else seen.count++;
    }
    out.push({
      label: nodes.join(' ↔ '),
      nodes,
      path: paths[paths.length - 1],
      punchStart: named('punch-start')[0],
      punchFailures: named('punch-failed').length,
      handshake,
      transferEnd,
      goodput_bytes_per_ms: goodput,
      drops,
    });
  }
  return out;
}

/** "direct · prediction", "relay", or undefined before any path. */
export function pathText(o: PairOutcome): string | undefined {
  if (o.path === undefined) return undefined;
  const path = String(field(o.path, 'path') ?? '?');
  const technique = field(o.path, 'technique');
  return typeof technique === 'string' && technique !== path ? `${path} · ${technique}` : path;
}

/** Time from the first punch-start to the path (the event's own elapsed_ms when it has one). */
export function timeToPath_ms(o: PairOutcome): number | undefined {
  if (o.path === undefined) return undefined;
  const elapsed = field(o.path, 'elapsed_ms');
  if (typeof elapsed === 'number') return elapsed;
  return o.punchStart === undefined ? undefined : o.path.t - o.punchStart.t;
}

/** Whether the transfer ended well, and its error if not. */
export function transferResult(o: PairOutcome): { ok: boolean; error: string | undefined } | undefined {
  if (o.transferEnd === undefined) return undefined;
  const error = field(o.transferEnd, 'error');
  return { ok: field(o.transferEnd, 'ok') !== false, error: typeof error === 'string' ? error : undefined };
}

/** 12.3 Mbit/s from bytes per ms. */
export function formatRate(bytes_per_ms: number): string {
  const bits_per_s = bytes_per_ms * 8000;
  if (bits_per_s >= 1e9) return `${(bits_per_s / 1e9).toFixed(2)} Gbit/s`;
  if (bits_per_s >= 1e6) return `${(bits_per_s / 1e6).toFixed(1)} Mbit/s`;
  return `${(bits_per_s / 1e3).toFixed(1)} kbit/s`;
}
