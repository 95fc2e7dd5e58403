// Trace records (docs/trace-format.md, schema v1) and where they go. A TraceSink receives
// plain record objects whose keys are in the documented order, so JSON.stringify writes the
// same bytes for the same run. A sink that only wants text (a file) also offers writeLine();
// the Tracer then builds each line directly, byte-identical to JSON.stringify of the record
// (a test holds it to that), skipping the object and the generic serialiser. With no sink the
// simulator never calls the Tracer at all (every call site checks `tracer.on` first), so
// tracing off costs no record allocation.
import { formatAddr } from '../protocol/core/addr.ts';
import type { Addr } from '../protocol/core/addr.ts';
import { ChunkSink, asciiBytes, hot_record_bytes_max, quotedBytes } from './chunk-sink.ts';

export const TRACE_VERSION = 1;
export const PEERLAB_VERSION = '0.1.0';

/** One trace line: the header or an event. Keys are serialised in insertion order. */
export type TraceRecord = { readonly kind: string } & Record<string, unknown>;

/** Receives every record of a run, in order. */
export interface TraceSink {
  write(record: TraceRecord): void;
  /** Optional fast path: the record as one JSON line (no newline), instead of write(). */
  writeLine?(line: string): void;
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

/** Hands each record on as one JSON line (a runner backs it with a file). */
export class LineSink implements TraceSink {
  lines = 0;
  constructor(private readonly output: (line: string) => void) {}

  write(record: TraceRecord): void {
    this.writeLine(serialiseRecord(record));
  }

  writeLine(line: string): void {
    this.lines++;
    this.output(line);
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

/** Bound on node names whose JSON form is cached. */
const quoted_names_max = 1_000_000;

/** The constant pieces of the hot records, pre-encoded for ChunkSink. */
const K = {
  t: asciiBytes('{"t":'),
  send: asciiBytes(',"kind":"send","node":'),
  nat: asciiBytes(',"kind":"nat","node":'),
  deliver: asciiBytes(',"kind":"deliver","node":'),
  drop: asciiBytes(',"kind":"drop","node":'),
  id: asciiBytes(',"id":'),
  src: asciiBytes(',"src":"'),
  dst: asciiBytes('","dst":"'),
  toSrc: asciiBytes('","to_src":"'),
  toDst: asciiBytes('","to_dst":"'),
  dirOut: asciiBytes('","dir":"out"}'),
  dirIn: asciiBytes('","dir":"in"}'),
  bytes: asciiBytes('","bytes":'),
  proto: asciiBytes(',"proto":"'),
  quoteClose: asciiBytes('"}'),
  close: asciiBytes('}'),
  corrupted: asciiBytes(',"corrupted":true}'),
  reason: asciiBytes(',"reason":'),
  where: asciiBytes(',"where":'),
};

/**
 * Builds every record kind in the documented key order and passes it to the sink, as an
 * object or (for a sink with writeLine) as the identical JSON text. Until start() it holds
 * what it is given, so the header, written at start(), comes first.
 */
export class Tracer {
  readonly on: boolean;
  private readonly lines: boolean;
  private held: Array<TraceRecord | string> | undefined = [];
  private readonly quoted = new Map<string, string>();
  private readonly quotedUtf8 = new Map<string, Uint8Array>();
  /** Set once started when the sink is a ChunkSink: hot records are written byte by byte. */
  private chunk: ChunkSink | undefined;

  constructor(private readonly sink: TraceSink | undefined) {
    this.on = sink !== undefined;
    this.lines = sink?.writeLine !== undefined;
  }

  /** Writes the header, then everything held so far; later records go straight out. */
  start(scenario: string, seed: number | string, topology: Topology): void {
    const held = this.held;
    if (held === undefined || this.sink === undefined) return;
    this.held = undefined;
    if (this.sink instanceof ChunkSink) this.chunk = this.sink;
    this.record({ v: TRACE_VERSION, kind: 'run', peerlab: PEERLAB_VERSION, world: 'sim', scenario, seed, started: 'sim', topology });
    for (const item of held) {
      if (typeof item === 'string') this.line(item);
      else this.record(item);
    }
  }

  get started(): boolean {
    return this.held === undefined;
  }

  private record(record: TraceRecord): void {
    if (this.held !== undefined) this.held.push(record);
    else if (this.lines) this.sink!.writeLine!(serialiseRecord(record));
    else this.sink!.write(record);
  }

  private line(text: string): void {
    if (this.held !== undefined) this.held.push(text);
    else this.sink!.writeLine!(text);
  }

  /** JSON string literal of a node name or link name, cached. */
  private q(name: string): string {
    let quoted = this.quoted.get(name);
    if (quoted === undefined) {
      quoted = JSON.stringify(name);
      if (this.quoted.size < quoted_names_max) this.quoted.set(name, quoted);
    }
    return quoted;
  }

  /** UTF-8 JSON string literal of a name, cached. */
  private qb(name: string): Uint8Array {
    let quoted = this.quotedUtf8.get(name);
    if (quoted === undefined) {
      quoted = quotedBytes(name);
      if (this.quotedUtf8.size < quoted_names_max) this.quotedUtf8.set(name, quoted);
    }
    return quoted;
  }

  /** Per record kind, `,"kind":K,"node":N,"id":` pre-encoded for each node name. */
  private readonly prefixes = new Map<Uint8Array, Map<string, Uint8Array>>();

  private prefix(kind: Uint8Array, node: string): Uint8Array {
    let byNode = this.prefixes.get(kind);
    if (byNode === undefined) {
      byNode = new Map();
      this.prefixes.set(kind, byNode);
    }
    let bytes = byNode.get(node);
    if (bytes === undefined) {
      const name = this.qb(node);
      bytes = new Uint8Array(kind.length + name.length + K.id.length);
      bytes.set(kind, 0);
      bytes.set(name, kind.length);
      bytes.set(K.id, kind.length + name.length);
      if (byNode.size < quoted_names_max) byNode.set(node, bytes);
    }
    return bytes;
  }

  /** Starts a hot record in the chunk: {"t":T,"kind":K,"node":N,"id":I,"src":"S","dst":"D */
  private head(c: ChunkSink, t: number, kind: Uint8Array, node: string, id: number, src: Addr, dst: Addr, extra_bytes: number): void {
    const prefix = this.prefix(kind, node);
    c.reserve(hot_record_bytes_max + prefix.length + extra_bytes);
    c.bytes(K.t);
    c.number(t);
    c.bytes(prefix);
    c.digits(id);
    c.bytes(K.src);
    addrInto(c, src);
    c.bytes(K.dst);
    addrInto(c, dst);
  }

  send(t: number, node: string, id: number, src: Addr, dst: Addr, bytes: number, proto: string): void {
    const c = this.chunk;
    if (c !== undefined) {
      this.head(c, t, K.send, node, id, src, dst, 0);
      c.bytes(K.bytes);
      c.digits(bytes);
      c.bytes(K.proto);
      c.ascii(proto);
      c.bytes(K.quoteClose);
      c.endLine();
    } else if (this.lines) {
      this.line(`{"t":${t},"kind":"send","node":${this.q(node)},"id":${id},"src":"${formatAddr(src)}","dst":"${formatAddr(dst)}","bytes":${bytes},"proto":"${proto}"}`);
    } else this.record({ t, kind: 'send', node, id, src: formatAddr(src), dst: formatAddr(dst), bytes, proto });
  }

  /** A copy appears (duplication, broadcast): a send of the copy, tied to the original by dup_of. */
  duplicate(t: number, node: string, id: number, dupOf: number, src: Addr, dst: Addr, bytes: number, proto: string): void {
    if (this.lines) {
      this.line(
        `{"t":${t},"kind":"send","node":${this.q(node)},"id":${id},"src":"${formatAddr(src)}","dst":"${formatAddr(dst)}","bytes":${bytes},"proto":"${proto}","dup_of":${dupOf}}`,
      );
    } else this.record({ t, kind: 'send', node, id, src: formatAddr(src), dst: formatAddr(dst), bytes, proto, dup_of: dupOf });
  }

  nat(t: number, node: string, id: number, src: Addr, dst: Addr, toSrc: Addr, toDst: Addr, dir: 'out' | 'in'): void {
    const c = this.chunk;
    if (c !== undefined) {
      this.head(c, t, K.nat, node, id, src, dst, 0);
      c.bytes(K.toSrc);
      addrInto(c, toSrc);
      c.bytes(K.toDst);
      addrInto(c, toDst);
      c.bytes(dir === 'out' ? K.dirOut : K.dirIn);
      c.endLine();
    } else if (this.lines) {
      this.line(
        `{"t":${t},"kind":"nat","node":${this.q(node)},"id":${id},"src":"${formatAddr(src)}","dst":"${formatAddr(dst)}","to_src":"${formatAddr(toSrc)}","to_dst":"${formatAddr(toDst)}","dir":"${dir}"}`,
      );
    } else {
      this.record({
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
  }

  deliver(t: number, node: string, id: number, src: Addr, dst: Addr, bytes: number, corrupted: boolean): void {
    const c = this.chunk;
    if (c !== undefined) {
      this.head(c, t, K.deliver, node, id, src, dst, 0);
      c.bytes(K.bytes);
      c.digits(bytes);
      c.bytes(corrupted ? K.corrupted : K.close);
      c.endLine();
    } else if (this.lines) {
      const tail = corrupted ? ',"corrupted":true}' : '}';
      this.line(`{"t":${t},"kind":"deliver","node":${this.q(node)},"id":${id},"src":"${formatAddr(src)}","dst":"${formatAddr(dst)}","bytes":${bytes}${tail}`);
    } else if (corrupted) {
      this.record({ t, kind: 'deliver', node, id, src: formatAddr(src), dst: formatAddr(dst), bytes, corrupted: true });
    } else {
      this.record({ t, kind: 'deliver', node, id, src: formatAddr(src), dst: formatAddr(dst), bytes });
    }
  }

  drop(t: number, node: string, id: number, src: Addr, dst: Addr, bytes: number, reason: string, where: string | undefined): void {
    const c = this.chunk;
    if (c !== undefined) {
      const reasonBytes = this.qb(reason);
      const whereBytes = where === undefined ? undefined : this.qb(where);
      this.head(c, t, K.drop, node, id, src, dst, reasonBytes.length + (whereBytes?.length ?? 0));
      c.bytes(K.bytes);
      c.digits(bytes);
      c.bytes(K.reason);
      c.bytes(reasonBytes);
      if (whereBytes !== undefined) {
        c.bytes(K.where);
        c.bytes(whereBytes);
      }
      c.bytes(K.close);
      c.endLine();
    } else if (this.lines) {
      const tail = where === undefined ? '}' : `,"where":${this.q(where)}}`;
      this.line(
        `{"t":${t},"kind":"drop","node":${this.q(node)},"id":${id},"src":"${formatAddr(src)}","dst":"${formatAddr(dst)}","bytes":${bytes},"reason":${this.q(reason)}${tail}`,
      );
    } else if (where === undefined) {
      this.record({ t, kind: 'drop', node, id, src: formatAddr(src), dst: formatAddr(dst), bytes, reason });
    } else {
      this.record({ t, kind: 'drop', node, id, src: formatAddr(src), dst: formatAddr(dst), bytes, reason, where });
    }
  }

  natMap(t: number, node: string, internal: Addr, external: Addr, remote: Addr | undefined): void {
    if (this.lines) {
      const tail = remote === undefined ? '}' : `,"remote":"${formatAddr(remote)}"}`;
      this.line(`{"t":${t},"kind":"nat-map","node":${this.q(node)},"internal":"${formatAddr(internal)}","external":"${formatAddr(external)}"${tail}`);
    } else if (remote === undefined) {
      this.record({ t, kind: 'nat-map', node, internal: formatAddr(internal), external: formatAddr(external) });
    } else {
      this.record({ t, kind: 'nat-map', node, internal: formatAddr(internal), external: formatAddr(external), remote: formatAddr(remote) });
    }
  }

  natExpire(t: number, node: string, internal: Addr, external: Addr): void {
    if (this.lines) {
      this.line(`{"t":${t},"kind":"nat-expire","node":${this.q(node)},"internal":"${formatAddr(internal)}","external":"${formatAddr(external)}"}`);
    } else this.record({ t, kind: 'nat-expire', node, internal: formatAddr(internal), external: formatAddr(external) });
  }

  timer(t: number, node: string, at: number): void {
    if (this.lines) this.line(`{"t":${t},"kind":"timer","node":${this.q(node)},"at":${at}}`);
    else this.record({ t, kind: 'timer', node, at });
  }

  event(t: number, node: string, name: string, data: unknown): void {
    this.record({ t, kind: 'event', node, name, data: jsonSafe(data) });
  }

  stats(t: number, node: string, data: Record<string, number>): void {
    this.record({ t, kind: 'stats', node, data: jsonSafe(data) });
  }

  fault(t: number, node: string, name: string, state: 'start' | 'end', detail: unknown): void {
    this.record({ t, kind: 'fault', node, name, state, detail: jsonSafe(detail) });
  }

  log(t: number, node: string, level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
    this.record({ t, kind: 'log', node, level, message });
  }

  /** A machine broke its contract (protocol/core/contract.ts); `at` is the deadline involved. */
  machineError(t: number, node: string, call: string, rule: string, message: string, at: number | undefined): void {
    if (at === undefined) this.record({ t, kind: 'machine-error', node, call, rule, message });
    else this.record({ t, kind: 'machine-error', node, call, rule, message, at });
  }
}

/** Writes an address as formatAddr does (canonical IPs are ASCII and JSON-safe). */
function addrInto(c: ChunkSink, a: Addr): void {
  if (a.family === 6) {
    c.ascii('[');
    c.ascii(a.ip);
    c.ascii(']:');
  } else {
    c.ascii(a.ip);
    c.ascii(':');
  }
  c.digits(a.port);
}
