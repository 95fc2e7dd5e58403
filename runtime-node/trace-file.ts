// The JSONL trace writer for real runs (docs/trace-format.md, world "real"). Lines are
// buffered and written synchronously in blocks, so a crash loses at most one block and a
// test can read the file the moment close() returns.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Addr } from '../protocol/core/addr.ts';
import { formatAddr } from '../protocol/core/addr.ts';

export const TRACE_VERSION = 1;
export const PEERLAB_VERSION = '0.1.0';

/** One trace line: the header or an event. Keys are written in insertion order. */
export type TraceRecord = { readonly kind: string } & Record<string, unknown>;

/** Where a driver sends its records; the file below, an array in tests, or several at once. */
export interface TraceRecordSink {
  write(record: TraceRecord): void;
}

export interface TraceTopologyNode {
  name: string;
  type: 'host' | 'nat' | 'server';
  ips?: string[];
  realm?: string;
  preset?: string;
  outside?: string[];
  inside?: string;
}

export interface RealTraceHeader {
  scenario: string;
  started: Date;
  nodes: TraceTopologyNode[];
  realms?: Array<{ name: string; subnet?: string; gateway?: string }>;
}

export function realHeaderRecord(header: RealTraceHeader): TraceRecord {
  return {
    v: TRACE_VERSION,
    kind: 'run',
    peerlab: PEERLAB_VERSION,
    world: 'real',
    scenario: header.scenario,
    seed: null,
    started: header.started.toISOString(),
    topology: { nodes: header.nodes, realms: header.realms ?? [{ name: 'internet' }] },
  };
}

/** Makes event data JSON-safe: bytes as hex, bigints as text, addresses as ip:port. */
export function jsonSafe(value: unknown, depth = 0): unknown {
  if (depth > 8) return '…';
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value instanceof Uint8Array) {
    const shown = value.subarray(0, hex_bytes_max);
    const hex = Buffer.from(shown.buffer, shown.byteOffset, shown.byteLength).toString('hex');
    return value.byteLength > hex_bytes_max ? `${hex}…(${value.byteLength} bytes)` : hex;
  }
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.slice(0, array_items_max).map((v) => jsonSafe(v, depth + 1));
  if (typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (isAddr(object)) return formatAddr(object as unknown as Addr);
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(object)) {
      const safe = jsonSafe(field, depth + 1);
      if (safe !== undefined) out[key] = safe;
    }
    return out;
  }
  return String(value);
}

/** Bytes fields are shown up to this many bytes; the rest is summarised. */
const hex_bytes_max = 64;
const array_items_max = 256;

function isAddr(object: Record<string, unknown>): boolean {
  const keys = Object.keys(object);
  return (
    keys.length === 3 &&
    (object.family === 4 || object.family === 6) &&
    typeof object.ip === 'string' &&
    typeof object.port === 'number'
  );
}

/** Flush once this many bytes of lines are waiting. */
const flush_bytes = 64 * 1024;

export class TraceFile implements TraceRecordSink {
  private readonly fd: number;
  private pending: string[] = [];
  private pendingBytes = 0;
  private closed = false;
  lines = 0;

  constructor(readonly path: string, header: TraceRecord) {
    this.fd = openSync(path, 'w');
    this.write(header);
  }

  write(record: TraceRecord): void {
    if (this.closed) return;
    const line = JSON.stringify(record) + '\n';
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.lines++;
    if (this.pendingBytes >= flush_bytes) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0 || this.closed) return;
    writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    closeSync(this.fd);
  }
}

/** An in-memory sink, for tests and for the lab's summaries. */
export class TraceArray implements TraceRecordSink {
  readonly records: TraceRecord[] = [];
  constructor(private readonly records_max = 1_000_000) {}
  write(record: TraceRecord): void {
    if (this.records.length < this.records_max) this.records.push(record);
  }
}
