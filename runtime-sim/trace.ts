// Trace records (docs/trace-format.md, schema v1) and where they go. A TraceSink receives
// plain record objects whose keys are in the documented order, so JSON.stringify writes the
// same bytes for the same run. With no sink the simulator never calls the Tracer at all
// (every call site checks `tracer.on` first), so tracing off costs no record allocation.
import { formatAddr } from '../protocol/core/addr.ts';
import type { Addr } from '../protocol/core/addr.ts';

export const TRACE_VERSION = 1;
export const PEERLAB_VERSION = '0.1.0';

/** One trace line: the header or an event. Keys are serialised in insertion order. */
export type TraceRecord = { readonly kind: string } & Record<string, unknown>;

/** Receives every record of a run, in order. */
export interface TraceSink {
  write(record: TraceRecord): void;
}

export class TraceSinkFullError extends Error {
  constructor(readonly records_max: number) {
    super(`memory trace sink full (${records_max} records)`);
    this.name = 'TraceSinkFullError';
  }
}

/** Default bound on records a MemorySink keeps. */
export const memory_records_max_default = 5_000_000;

/** Keeps records in an array (tests, assertions). Past its bound it counts what it drops. */
export class MemorySink implements TraceSink {
  readonly records: TraceRecord[] = [];
  dropped = 0;
  constructor(readonly records_max = memory_records_max_default) {}

  write(record: TraceRecord): void {
    if (this.records.length < this.records_max) this.records.push(record);
    else this.dropped++;
  }

  /** The JSONL text a file sink would have written. */
  text(): string {
    let out = '';
    for (const record of this.records) out += serialiseRecord(record) + '\n';
    return out;
  }

  ofKind(kind: string): TraceRecord[] {
    return this.records.filter((r) => r.kind === kind);
  }
}

/** Serialises each record to one JSON line and hands it on (a runner backs it with a file). */
export class LineSink implements TraceSink {
  lines = 0;
  constructor(private readonly writeLine: (line: string) => void) {}

  write(record: TraceRecord): void {
    this.lines++;
    this.writeLine(serialiseRecord(record));
  }
}

export function serialiseRecord(record: TraceRecord): string {
  return JSON.stringify(record);
}

/** Hex digits shown for a byte field of an application event before it is summarised. */
const event_hex_bytes_max = 64;
const event_array_items_max = 256;
const event_depth_max = 8;
const HEX = '0123456789abcdef';

function isAddr(value: object): value is Addr {
  const v = value as Record<string, unknown>;
  return (v.family === 4 || v.family === 6) && typeof v.ip === 'string' && typeof v.port === 'number' && Object.keys(v).length === 3;
}

/** Makes application event data JSON-safe and deterministic: bytes as hex, addresses as text. */
export function jsonSafe(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (depth >= event_depth_max) return '…';
  if (value instanceof Uint8Array) {
    const n = Math.min(value.byteLength, event_hex_bytes_max);
    let hex = '';
    for (let i = 0; i < n; i++) hex += HEX[value[i]! >> 4]! + HEX[value[i]! & 15]!;
    return value.byteLength > n ? `${hex}…(${value.byteLength} bytes)` : hex;
  }
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.slice(0, event_array_items_max).map((v) => jsonSafe(v, depth + 1));
  if (value instanceof Map) return jsonSafe(Object.fromEntries(value), depth);
  if (typeof value === 'object') {
    if (isAddr(value)) return formatAddr(value);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const safe = jsonSafe((value as Record<string, unknown>)[key], depth + 1);
      if (safe !== undefined) out[key] = safe;
    }
    return out;
  }
  return String(value);
}

export interface TopologyNode {
  name: string;
  type: 'host' | 'nat' | 'server';
  ips?: string[];
  realm: string;
  preset?: string;
  outside?: string[];
  inside?: string;
}

export interface TopologyRealm {
  name: string;
  subnet?: string;
  gateway?: string;
}

export interface Topology {
  nodes: TopologyNode[];
  realms: TopologyRealm[];
}

/** Builds every record kind in the documented key order, and passes it to the sink. */
export class Tracer {
  readonly on: boolean;
  constructor(private readonly sink: TraceSink | undefined) {
    this.on = sink !== undefined;
  }

  header(scenario: string, seed: number | string, topology: Topology): void {
    this.sink?.write({
      v: TRACE_VERSION,
      kind: 'run',
      peerlab: PEERLAB_VERSION,
      world: 'sim',
      scenario,
      seed,
      started: 'sim',
      topology,
    });
  }

  send(t: number, node: string, id: number, src: Addr, dst: Addr, bytes: number, proto: string): void {
    this.sink!.write({ t, kind: 'send', node, id, src: formatAddr(src), dst: formatAddr(dst), bytes, proto });
  }

  /** A duplicate copy appears: traced as a send of the copy, tied to the original by dup_of. */
  duplicate(t: number, node: string, id: number, dupOf: number, src: Addr, dst: Addr, bytes: number, proto: string): void {
    this.sink!.write({ t, kind: 'send', node, id, src: formatAddr(src), dst: formatAddr(dst), bytes, proto, dup_of: dupOf });
  }

  nat(t: number, node: string, id: number, src: Addr, dst: Addr, toSrc: Addr, toDst: Addr, dir: 'out' | 'in'): void {
    this.sink!.write({
      t,
      kind: 'nat',
      node,
      id,
      src: formatAddr(src),
      dst: formatAddr(dst),
      to_src: formatAddr(toSrc),
      to_dst: formatAddr(toDst),
      dir,
    });
  }

  deliver(t: number, node: string, id: number, src: Addr, dst: Addr, bytes: number, corrupted: boolean): void {
    if (corrupted) {
      this.sink!.write({ t, kind: 'deliver', node, id, src: formatAddr(src), dst: formatAddr(dst), bytes, corrupted: true });
    } else {
      this.sink!.write({ t, kind: 'deliver', node, id, src: formatAddr(src), dst: formatAddr(dst), bytes });
    }
  }

  drop(t: number, node: string, id: number, src: Addr, dst: Addr, bytes: number, reason: string, where: string | undefined): void {
    if (where === undefined) {
      this.sink!.write({ t, kind: 'drop', node, id, src: formatAddr(src), dst: formatAddr(dst), bytes, reason });
    } else {
      this.sink!.write({ t, kind: 'drop', node, id, src: formatAddr(src), dst: formatAddr(dst), bytes, reason, where });
    }
  }

  natMap(t: number, node: string, internal: Addr, external: Addr, remote: Addr | undefined): void {
    if (remote === undefined) {
      this.sink!.write({ t, kind: 'nat-map', node, internal: formatAddr(internal), external: formatAddr(external) });
    } else {
      this.sink!.write({
        t,
        kind: 'nat-map',
        node,
        internal: formatAddr(internal),
        external: formatAddr(external),
        remote: formatAddr(remote),
      });
    }
  }

  natExpire(t: number, node: string, internal: Addr, external: Addr): void {
    this.sink!.write({ t, kind: 'nat-expire', node, internal: formatAddr(internal), external: formatAddr(external) });
  }

  timer(t: number, node: string, at: number): void {
    this.sink!.write({ t, kind: 'timer', node, at });
  }

  event(t: number, node: string, name: string, data: unknown): void {
    this.sink!.write({ t, kind: 'event', node, name, data: jsonSafe(data) });
  }

  stats(t: number, node: string, data: Record<string, number>): void {
    this.sink!.write({ t, kind: 'stats', node, data: jsonSafe(data) });
  }

  fault(t: number, node: string, name: string, state: 'start' | 'end', detail: unknown): void {
    this.sink!.write({ t, kind: 'fault', node, name, state, detail: jsonSafe(detail) });
  }

  log(t: number, node: string, level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
    this.sink!.write({ t, kind: 'log', node, level, message });
  }
}
