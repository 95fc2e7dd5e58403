// The Chord ring at one moment of a trace, rebuilt from the nodes' own events (`joined`,
// `successor-changed`, `fingers`, `left`, `lookup-result`; protocol/chord/events.ts): each
// node's id, successor and finger nodes, and the last lookup before the cursor with its hops.
// Pure (no DOM), so the ring panel and the tests share it.
import type { TraceEvent } from '../trace/types.ts';

export interface RingNode {
  readonly name: string;
  readonly id: string;
  successor: string | undefined;
  fingers: readonly string[];
}

export interface RingLookup {
  /** position among the trace's lookups (0-based) */
  readonly index: number;
  readonly node: string;
  readonly t: number;
  readonly target: string;
  readonly path: readonly string[];
  readonly successor: string;
}

export interface RingState {
  /** Live nodes at the cursor, keyed by trace node name. */
  readonly nodes: ReadonlyMap<string, RingNode>;
  /** Hex digits of the ids (ids are fixed-width hex): the ring has 16^digits positions. */
  readonly digits: number;
  readonly lookup: RingLookup | undefined;
}

function field<T>(data: unknown, key: string): T | undefined {
  return typeof data === 'object' && data !== null ? ((data as Record<string, unknown>)[key] as T | undefined) : undefined;
}

/** True when the trace holds Chord events (the panel stays hidden otherwise). */
export function hasChord(events: readonly TraceEvent[]): boolean {
  return events.some((e) => e.kind === 'event' && e.name === 'joined' && typeof field<string>(e.data, 'id') === 'string' && field(e.data, 'successor') !== undefined);
}

/** Every completed lookup (`lookup-result` with its path), in time order. */
export function lookupsOf(events: readonly TraceEvent[]): RingLookup[] {
  const out: RingLookup[] = [];
  for (const e of events) {
    if (e.kind !== 'event' || e.name !== 'lookup-result') continue;
    const path = field<string[]>(e.data, 'path');
    const succ = field<{ id: string }>(e.data, 'successor')?.id;
    if (Array.isArray(path) && typeof succ === 'string') out.push({ index: out.length, node: e.node, t: e.t, target: String(field(e.data, 'target')), path: path.filter((x) => typeof x === 'string'), successor: succ });
  }
  return out;
}

/** The ring at `cursor_ms`; `lookup` is the last one before it unless one is given. */
export function chordRingAt(events: readonly TraceEvent[], cursor_ms: number, chosen?: RingLookup): RingState {
  const nodes = new Map<string, RingNode>();
  let digits = 0;
  let lookup: RingLookup | undefined;
  let lookups = 0;
  for (const e of events) {
    if (e.t > cursor_ms) break;
    if (e.kind !== 'event') continue;
    const d = e.data;
    switch (e.name) {
      case 'joined': {
        const id = field<string>(d, 'id');
        if (typeof id !== 'string') break;
        digits = Math.max(digits, id.length);
        nodes.set(e.node, { name: e.node, id, successor: field<{ id: string }>(d, 'successor')?.id, fingers: [] });
        break;
      }
      case 'successor-changed': {
        const n = nodes.get(e.node);
        if (n) n.successor = field<{ id: string }>(d, 'successor')?.id;
        break;
      }
      case 'fingers': {
        const n = nodes.get(e.node);
        const f = field<string[]>(d, 'fingers');
        if (n && Array.isArray(f)) n.fingers = f.filter((x) => typeof x === 'string');
        break;
      }
      case 'left':
        nodes.delete(e.node);
        break;
      case 'lookup-result': {
        const path = field<string[]>(d, 'path');
        const succ = field<{ id: string }>(d, 'successor')?.id;
        if (Array.isArray(path) && typeof succ === 'string') lookup = { index: lookups++, node: e.node, t: e.t, target: String(field(d, 'target')), path, successor: succ };
        break;
      }
    }
  }
  return { nodes, digits, lookup: chosen ?? lookup };
}

/** Angle of an id on the ring, radians clockwise from 12 o'clock (ids compared by their top 13 hex digits). */
export function angleOf(id: string, digits: number): number {
  const top = id.padStart(digits, '0').slice(0, 13);
  return (parseInt(top, 16) / 16 ** top.length) * 2 * Math.PI;
}
