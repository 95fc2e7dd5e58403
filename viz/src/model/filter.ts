// Which datagrams and marks pass the user's filters (node, protocol, kind, text). Computed
// once per filter change into byte masks, so drawing and hit-testing stay a lookup.

import type { Datagram, Mark, TraceModel } from './model.ts';
import type { PacketId } from '../trace/types.ts';

/** Kinds the user can toggle: datagram outcomes, NAT hop labels, and mark kinds. */
export const FILTER_KINDS = ['delivered', 'dropped', 'nat', 'nat-map', 'nat-expire', 'event', 'timer', 'log', 'fault'] as const;
export type FilterKind = (typeof FILTER_KINDS)[number];

export interface FilterState {
  /** '' for every node */
  readonly node: string;
  readonly protos: ReadonlySet<string>;
  readonly kinds: ReadonlySet<FilterKind>;
  /** search: highlights (never hides) what matches; words are case-insensitive substrings of
   * the events' JSON, `field=value` words match fields of one event exactly (`reason=nat-filtered
   * node=b-nat`); every word must match; '' for none */
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
  /** search matches (1 = highlighted), among what the other filters show */
  readonly matchedDatagrams: Uint8Array;
  readonly matchedMarks: Uint8Array;
  /** the matches in time order, for the count and previous/next */
  readonly matches: readonly SearchMatch[];
}

export type SearchMatch = { readonly t: number; readonly datagram: Datagram } | { readonly t: number; readonly mark: Mark };

type Matcher = (records: readonly Readonly<Record<string, unknown>>[], json: () => string) => boolean;

/** Compiles a search: plain words are substrings of the JSON, `k=v` words exact field values. */
export function compileSearch(query: string): Matcher | undefined {
  const words = query.trim().toLowerCase().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return undefined;
  const fields: [string, string][] = [];
  const plain: string[] = [];
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq > 0 && eq < w.length - 1) fields.push([w.slice(0, eq), w.slice(eq + 1)]);
    else plain.push(w);
  }
  return (records, json) => {
    // the field words together describe one event (`reason=nat-filtered node=b-nat`: a drop at b-nat)
    if (fields.length > 0 && !records.some((r) => fields.every(([k, v]) => r[k] !== undefined && String(r[k]).toLowerCase() === v))) return false;
    if (plain.length === 0) return true;
    const text = json();
    return plain.every((w) => text.includes(w));
  };
}

function datagramRecords(d: Datagram): Readonly<Record<string, unknown>>[] {
  const out: Readonly<Record<string, unknown>>[] = [];
  if (d.send) out.push(d.send.raw);
  for (const n of d.nats) out.push(n.raw);
  for (const e of d.ends) out.push(e.raw);
  return out;
}

export function applyFilter(model: TraceModel, f: FilterState): FilterMasks {
  const search = compileSearch(f.text);
  const datagrams = new Uint8Array(model.datagrams.length);
  const matchedDatagrams = new Uint8Array(model.datagrams.length);
  const matches: SearchMatch[] = [];
  for (const d of model.datagrams) {
    const kind: FilterKind = datagramDropped(d) ? 'dropped' : 'delivered';
    let ok = f.protos.has(d.proto) && f.kinds.has(kind);
    if (ok && f.node !== '') ok = touches(d, f.node);
    datagrams[d.index] = ok ? 1 : 0;
    if (ok && search !== undefined && search(datagramRecords(d), () => datagramText(d))) {
      matchedDatagrams[d.index] = 1;
      matches.push({ t: d.t0, datagram: d });
    }
  }
  const marks = new Uint8Array(model.marks.length);
  const matchedMarks = new Uint8Array(model.marks.length);
  for (const m of model.marks) {
    let ok = f.kinds.has(m.event.kind as FilterKind);
    if (ok && f.node !== '') ok = m.event.node === f.node;
    marks[m.index] = ok ? 1 : 0;
    if (ok && search !== undefined) {
      const raw = m.event.raw;
      const data = (raw.data ?? {}) as Readonly<Record<string, unknown>>;
      if (search(typeof data === 'object' && data !== null ? [raw, data] : [raw], () => JSON.stringify(raw).toLowerCase())) {
        matchedMarks[m.index] = 1;
        matches.push({ t: m.event.t, mark: m });
      }
    }
  }
  matches.sort((a, b) => a.t - b.t);
  return { datagrams, marks, showNatHops: f.kinds.has('nat'), showFaults: f.kinds.has('fault'), matchedDatagrams, matchedMarks, matches };
}

/** Whether a datagram event (send, nat, deliver, drop) belongs to a datagram the filters show;
 * other events always count. For the summary and topology panels. */
export function eventShown(model: TraceModel, masks: FilterMasks, e: { readonly kind: string; readonly id?: PacketId }): boolean {
  if (e.kind !== 'send' && e.kind !== 'nat' && e.kind !== 'deliver' && e.kind !== 'drop') return true;
  const d = e.id === undefined ? undefined : model.datagramById.get(e.id);
  return d === undefined || masks.datagrams[d.index] === 1;
}

/** Marks that count as errors for "next error": error/warn logs and failure-named events. */
export function isErrorMark(m: Mark): boolean {
  const e = m.event;
  if (e.kind === 'log') return e.level === 'error' || e.level === 'warn';
  if (e.kind === 'event') return /error|fail|timeout|reject|abort/i.test(e.name);
  return false;
}
