// Human-readable details for the inspector: a one-line decoded summary of a datagram (what,
// from where to where, what happened), its hops with the NAT mapping each one used, and
// formatted times. Pure functions over the model, so they are unit-tested.

import type { NatMapEvent } from '../trace/types.ts';
import type { Datagram, TraceModel } from './model.ts';

export function formatMs(t: number): string {
  if (!Number.isFinite(t)) return String(t);
  const abs = Math.abs(t);
  if (abs >= 60_000) return `${Number((t / 1000).toFixed(1))} s`;
  if (abs >= 1000) return `${Number((t / 1000).toFixed(3))} s`;
  return `${Number(t.toFixed(3))} ms`;
}

export interface HopLine {
  readonly t: number;
  readonly node: string;
  readonly text: string;
  /** the nat-map event that created the mapping this hop used, if in the trace */
  readonly mapping?: NatMapEvent;
}

/** The nat-map on `node` for (internal, external), latest at or before t. */
export function mappingFor(model: TraceModel, node: string, internal: string, external: string, t: number): NatMapEvent | undefined {
  let found: NatMapEvent | undefined;
  for (const m of model.marks) {
    const e = m.event;
    if (e.t > t) break;
    if (e.kind === 'nat-map' && e.node === node && e.internal === internal && e.external === external) found = e;
  }
  return found;
}

export function datagramHops(model: TraceModel, d: Datagram): HopLine[] {
  const hops: HopLine[] = [];
  const origin = d.send ?? d.origin;
  if (origin !== undefined) {
    hops.push({ t: origin.t, node: origin.node, text: `${d.send === undefined ? 'original sent' : 'sent'} ${origin.src} → ${origin.dst} (${origin.bytes} B)` });
  }
  for (const n of d.nats) {
    const [internal, external] = n.dir === 'in' ? [n.to_dst, n.dst] : [n.src, n.to_src];
    const rewrite = n.dir === 'in' ? `dst ${n.dst} ⇒ ${n.to_dst}` : `src ${n.src} ⇒ ${n.to_src}`;
    hops.push({ t: n.t, node: n.node, text: `NAT ${n.dir}: ${rewrite}`, mapping: mappingFor(model, n.node, internal, external, n.t) });
  }
  for (const e of d.ends) {
    if (e.kind === 'deliver') hops.push({ t: e.t, node: e.node, text: `delivered ${e.src} → ${e.dst}${e.corrupted ? ' (corrupted)' : ''}` });
    else hops.push({ t: e.t, node: e.node, text: `DROPPED: ${e.reason}${e.where === undefined ? '' : ` on ${e.where}`}` });
  }
  return hops;
}

/** e.g. "punch 36 B a → b: dropped at nat-b (nat-filtered) after 12.3 ms". */
export function datagramSummary(d: Datagram): string {
  const origin = d.send ?? d.origin;
  const from = origin?.node ?? '?';
  const start = origin?.t ?? d.t0;
  const head = `${d.proto} ${d.bytes} B from ${from}`;
  if (d.ends.length === 0) return `${head}: no delivery or drop in the trace`;
  const outcomes = d.ends.map((e) =>
    e.kind === 'deliver' ? `delivered to ${e.node} after ${formatMs(e.t - start)}` : `dropped at ${e.node} (${e.reason}) after ${formatMs(e.t - start)}`,
  );
  const via = d.nats.length > 0 ? ` via ${d.nats.map((n) => n.node).join(', ')}` : '';
  return `${head}${via}: ${outcomes.join('; ')}`;
}

const LABEL_FIELDS_MAX = 2;
const LABEL_VALUE_CHARS_MAX = 28;

function short(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length > LABEL_VALUE_CHARS_MAX ? `${v.slice(0, LABEL_VALUE_CHARS_MAX - 1)}…` : v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(1)));
  if (typeof v === 'boolean') return String(v);
  return undefined;
}

/**
 * An app event's label with its key value: "path: relay via 198.51.100.7:3478", "NAT type:
 * APDM/APDF/random" (the classification, not a translation), else the name and its first
 * scalar fields ("punch-start: peer=b strategy=relay-only").
 */
export function eventLabel(name: string, data: unknown): string {
  const d = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  const s = (k: string): string | undefined => short(d[k]);
  if (name === 'path' && s('path') !== undefined) {
    const technique = s('technique');
    const via = s('path') === 'relay' ? s('remote') : technique;
    return `path: ${s('path')}${via !== undefined ? ` via ${via}` : ''}${s('elapsed_ms') !== undefined ? ` after ${formatMs(Number(d.elapsed_ms))}` : ''}`;
  }
  if (name === 'nat' && s('summary') !== undefined) return `NAT type: ${s('summary')}`;
  if (name === 'session-open' && s('path') !== undefined) return `session open: ${s('path')}${s('technique') !== undefined ? ` (${s('technique')})` : ''}`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(d)) {
    if (k === 'type' || parts.length >= LABEL_FIELDS_MAX) continue;
    const text = short(v);
    if (text !== undefined) parts.push(`${k}=${text}`);
  }
  return parts.length > 0 ? `${name}: ${parts.join(' ')}` : name;
}
