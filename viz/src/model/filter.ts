// Which datagrams and marks pass the user's filters (node, protocol, kind, text). Computed
// once per filter change into byte masks, so drawing and hit-testing stay a lookup.

import type { Datagram, Mark, TraceModel } from './model.ts';

/** Kinds the user can toggle: datagram outcomes, NAT hop labels, and mark kinds. */
export const FILTER_KINDS = ['delivered', 'dropped', 'nat', 'nat-map', 'nat-expire', 'event', 'timer', 'log', 'fault'] as const;
export type FilterKind = (typeof FILTER_KINDS)[number];

export interface FilterState {
  /** '' for every node */
  readonly node: string;
  readonly protos: ReadonlySet<string>;
  readonly kinds: ReadonlySet<FilterKind>;
  /** case-insensitive substring of the events' JSON; '' for none */
  readonly text: string;
}

export function defaultFilter(model: TraceModel): FilterState {
  return {
    node: '',
    protos: new Set(protocolsOf(model)),
    kinds: new Set<FilterKind>(FILTER_KINDS.filter((k) => k !== 'timer')),
    text: '',
  };
}

export function protocolsOf(model: TraceModel): string[] {
  const set = new Set<string>();
  for (const d of model.datagrams) set.add(d.proto);
  return [...set].sort();
}

export function datagramDropped(d: Datagram): boolean {
  return d.ends.some((e) => e.kind === 'drop');
}

function datagramText(d: Datagram): string {
  const parts: unknown[] = [];
  if (d.send) parts.push(d.send.raw);
  for (const n of d.nats) parts.push(n.raw);
  for (const e of d.ends) parts.push(e.raw);
  return JSON.stringify(parts).toLowerCase();
}

function touches(d: Datagram, node: string): boolean {
  return d.send?.node === node || d.nats.some((n) => n.node === node) || d.ends.some((e) => e.node === node);
}

export interface FilterMasks {
  readonly datagrams: Uint8Array;
  readonly marks: Uint8Array;
  readonly showNatHops: boolean;
  readonly showFaults: boolean;
}

export function applyFilter(model: TraceModel, f: FilterState): FilterMasks {
  const text = f.text.trim().toLowerCase();
  const datagrams = new Uint8Array(model.datagrams.length);
  for (const d of model.datagrams) {
    const kind: FilterKind = datagramDropped(d) ? 'dropped' : 'delivered';
    let ok = f.protos.has(d.proto) && f.kinds.has(kind);
    if (ok && f.node !== '') ok = touches(d, f.node);
    if (ok && text !== '') ok = datagramText(d).includes(text);
    datagrams[d.index] = ok ? 1 : 0;
  }
  const marks = new Uint8Array(model.marks.length);
  for (const m of model.marks) {
    let ok = f.kinds.has(m.event.kind as FilterKind);
    if (ok && f.node !== '') ok = m.event.node === f.node;
    if (ok && text !== '') ok = JSON.stringify(m.event.raw).toLowerCase().includes(text);
    marks[m.index] = ok ? 1 : 0;
  }
  return { datagrams, marks, showNatHops: f.kinds.has('nat'), showFaults: f.kinds.has('fault') };
}

/** Marks that count as errors for "next error": error/warn logs and failure-named events. */
export function isErrorMark(m: Mark): boolean {
  const e = m.event;
  if (e.kind === 'log') return e.level === 'error' || e.level === 'warn';
  if (e.kind === 'event') return /error|fail|timeout|reject|abort/i.test(e.name);
  return false;
}
