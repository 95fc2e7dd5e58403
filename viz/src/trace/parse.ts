// Reads a JSON Lines trace (docs/trace-format.md) into typed events, whole or streamed. A line that does not
// parse, or a known kind missing a required field, is reported with its line number and
// skipped; unknown kinds and unknown fields are ignored, as the format asks. Never throws.

import type {
  EventKind,
  ParsedTrace,
  ParseProblem,
  PacketId,
  Topology,
  TopologyNode,
  TopologyRealm,
  TraceEvent,
  TraceHeader,
} from './types.ts';

/** Bound on the problems kept for display; the rest are only counted. */
export const PROBLEMS_MAX = 1000;

type Json = Record<string, unknown>;

class FieldError extends Error {
  override name = 'FieldError';
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(o: Json, key: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new FieldError(`field "${key}" must be a string`);
  return v;
}

function optStr(o: Json, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

function num(o: Json, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new FieldError(`field "${key}" must be a finite number`);
  return v;
}

function packetId(o: Json, key: string): PacketId {
  const v = o[key];
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string') return v;
  throw new FieldError(`field "${key}" must be a packet id (number or string)`);
}

function strList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function parseTopology(v: unknown): Topology {
  if (!isObject(v)) return { nodes: [], realms: [] };
  const nodes: TopologyNode[] = [];
  for (const n of Array.isArray(v.nodes) ? v.nodes : []) {
    if (!isObject(n) || typeof n.name !== 'string') continue;
    const type = n.type === 'nat' || n.type === 'server' ? n.type : 'host';
    nodes.push({
      name: n.name,
      type,
      ips: strList(n.ips),
      realm: optStr(n, 'realm'),
      preset: optStr(n, 'preset'),
      outside: strList(n.outside),
      inside: optStr(n, 'inside'),
    });
  }
  const realms: TopologyRealm[] = [];
  for (const r of Array.isArray(v.realms) ? v.realms : []) {
    if (!isObject(r) || typeof r.name !== 'string') continue;
    realms.push({ name: r.name, subnet: optStr(r, 'subnet'), gateway: optStr(r, 'gateway') });
  }
  return { nodes, realms };
}

function parseHeader(o: Json): TraceHeader {
  return {
    v: typeof o.v === 'number' ? o.v : 0,
    world: typeof o.world === 'string' ? o.world : 'sim',
    peerlab: optStr(o, 'peerlab'),
    scenario: optStr(o, 'scenario'),
    seed: typeof o.seed === 'number' ? o.seed : undefined,
    started: optStr(o, 'started'),
    topology: parseTopology(o.topology),
  };
}

/** One event record, or undefined for a kind this viewer does not know. Throws FieldError. */
function parseEvent(o: Json, line: number): TraceEvent | undefined {
  const kind = str(o, 'kind') as EventKind | string;
  // Plain literals (no spread of a shared base): each kind gets one stable object shape,
  // which keeps parsing 200,000 lines fast.
  const t = num(o, 't');
  const node = str(o, 'node');
  const raw = o;
  switch (kind) {
    case 'send':
      return {
        t, node, line, raw,
        kind,
        id: packetId(o, 'id'),
        src: str(o, 'src'),
        dst: str(o, 'dst'),
        bytes: num(o, 'bytes'),
        proto: optStr(o, 'proto') ?? 'unknown',
        dup_of: o.dup_of === undefined ? undefined : packetId(o, 'dup_of'),
      };
    case 'nat':
      return {
        t, node, line, raw,
        kind,
        id: packetId(o, 'id'),
        src: str(o, 'src'),
        dst: str(o, 'dst'),
        to_src: str(o, 'to_src'),
        to_dst: str(o, 'to_dst'),
        dir: optStr(o, 'dir') ?? '',
      };
    case 'deliver':
      return {
        t, node, line, raw,
        kind,
        id: packetId(o, 'id'),
        src: str(o, 'src'),
        dst: str(o, 'dst'),
        bytes: num(o, 'bytes'),
        corrupted: o.corrupted === true,
      };
    case 'drop':
      return {
        t, node, line, raw,
        kind,
        id: packetId(o, 'id'),
        src: optStr(o, 'src') ?? '',
        dst: optStr(o, 'dst') ?? '',
        bytes: typeof o.bytes === 'number' ? o.bytes : 0,
        reason: str(o, 'reason'),
        where: optStr(o, 'where'),
      };
    case 'nat-map':
      return { t, node, line, raw, kind, internal: str(o, 'internal'), external: str(o, 'external'), remote: optStr(o, 'remote') };
    case 'nat-expire':
      return { t, node, line, raw, kind, internal: str(o, 'internal'), external: str(o, 'external') };
    case 'timer':
      return { t, node, line, raw, kind, at: typeof o.at === 'number' ? o.at : t };
    case 'event':
      return { t, node, line, raw, kind, name: str(o, 'name'), data: o.data };
    case 'stats':
      return { t, node, line, raw, kind, data: isObject(o.data) ? o.data : {} };
    case 'fault':
      return { t, node, line, raw, kind, name: str(o, 'name'), state: str(o, 'state'), detail: o.detail };
    case 'log':
      return { t, node, line, raw, kind, level: optStr(o, 'level') ?? 'info', message: optStr(o, 'message') ?? '' };
    default:
      return undefined;
  }
}

/**
 * An incremental parser: feed it text chunks as they arrive (a fetch or file stream), so
 * parsing overlaps the download; `finish()` returns the trace. Lines may span chunks.
 */
export class TraceParser {
  private readonly problems: ParseProblem[] = [];
  private problemsDropped = 0;
  private readonly events: TraceEvent[] = [];
  private header: TraceHeader | undefined;
  private unknownKinds = 0;
  private lines = 0;
  private lineNo = 0;
  private sorted = true;
  /** the unfinished last line of the chunks so far */
  private carry = '';

  push(chunk: string): void {
    // split() hands out cheap slices of the big string; faster than indexOf/slice by hand
    const parts = (this.carry === '' ? chunk : this.carry + chunk).split('\n');
    this.carry = parts.pop() ?? '';
    for (const part of parts) this.line(part);
  }

  /** Events parsed so far. */
  get eventCount(): number {
    return this.events.length;
  }

  /**
   * The trace parsed so far, without finishing: a prefix to draw a first frame from while
   * the rest arrives (events sorted, on a copy when they came out of order).
   */
  snapshot(): ParsedTrace {
    const events = this.sorted ? this.events.slice() : this.events.slice().sort((a, b) => a.t - b.t || a.line - b.line);
    return { header: this.header, events, problems: this.problems.slice(), problemsDropped: this.problemsDropped, unknownKinds: this.unknownKinds, lines: this.lines };
  }

  finish(): ParsedTrace {
    if (this.carry !== '') this.line(this.carry);
    this.carry = '';
    if (!this.sorted) {
      // Real traces merge several writers; order by time and keep file order on ties.
      this.events.sort((a, b) => a.t - b.t || a.line - b.line);
      this.sorted = true;
    }
    return {
      header: this.header,
      events: this.events,
      problems: this.problems,
      problemsDropped: this.problemsDropped,
      unknownKinds: this.unknownKinds,
      lines: this.lines,
    };
  }

  private report(line: number, message: string): void {
    if (this.problems.length < PROBLEMS_MAX) this.problems.push({ line, message });
    else this.problemsDropped++;
  }

  private line(text: string): void {
    const lineNo = ++this.lineNo;
    const lineText = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (lineText.trim() === '') return;
    this.lines++;
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch (err) {
      this.report(lineNo, `not JSON: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (!isObject(value)) {
      this.report(lineNo, 'not a JSON object');
      return;
    }
    if (value.kind === 'run') {
      if (this.header === undefined) this.header = parseHeader(value);
      else this.report(lineNo, 'a second "run" header; ignored');
      return;
    }
    try {
      const event = parseEvent(value, lineNo);
      if (event === undefined) {
        this.unknownKinds++;
        return;
      }
      const last = this.events[this.events.length - 1];
      if (last !== undefined && event.t < last.t) this.sorted = false;
      this.events.push(event);
    } catch (err) {
      this.report(lineNo, err instanceof Error ? err.message : String(err));
    }
  }
}

/** Parses a whole trace text. Events come back sorted by time, ties in file order. */
export function parseTrace(text: string): ParsedTrace {
  const parser = new TraceParser();
  parser.push(text);
  return parser.finish();
}

/** A big trace's first frame is drawn from its first this-many events (about 4,000
 * datagrams of a transfer: the view a big trace opens on) while the rest streams in. */
export const PREFIX_EVENTS = 20_000;
/** Parsing yields to the page at least this often, so it stays responsive while loading
 * (input answered within RAIL's 100 ms). */
const YIELD_MS = 80;
/** Chunks are parsed in slices of at most this many characters (about 2,000 lines). */
const SLICE_CHARS = 1 << 18;

export interface StreamOptions {
  /** Called once with the trace parsed so far when it reaches PREFIX_EVENTS events and
   * more is still to come; the parse resumes after the next paint. */
  readonly onPrefix?: (prefix: ParsedTrace) => void;
  readonly prefixEvents?: number;
}

/** Resolves in a new task (a message, not a timer: no 4 ms clamp), so input runs between. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(0);
  });
}

/** Resolves after the page has had a chance to paint (a frame, then a task). */
function afterPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** Parses a byte stream (fetch body, File.stream()) as it arrives. */
export async function parseTraceStream(stream: ReadableStream<Uint8Array>, options: StreamOptions = {}): Promise<ParsedTrace> {
  const parser = new TraceParser();
  const reader = stream.getReader();
  // a streaming decoder keeps a multi-byte character split across chunks intact
  const decoder = new TextDecoder();
  let onPrefix = options.onPrefix;
  const prefixEvents = options.prefixEvents ?? PREFIX_EVENTS;
  let yielded = performance.now();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const text = decoder.decode(value, { stream: true });
    // a local server or file may hand over megabytes at once: parse them a slice at a time,
    // so the first frame and the pauses come when due (the parser carries split lines)
    for (let at = 0; at < text.length; at += SLICE_CHARS) {
      parser.push(at === 0 && text.length <= SLICE_CHARS ? text : text.slice(at, at + SLICE_CHARS));
      if (onPrefix !== undefined && parser.eventCount >= prefixEvents) {
        onPrefix(parser.snapshot());
        onPrefix = undefined;
        await afterPaint();
        yielded = performance.now();
      } else if (performance.now() - yielded > YIELD_MS) {
        // a local file or server hands the chunks over without a pause: let input and paint in
        await nextTask();
        yielded = performance.now();
      }
    }
  }
  parser.push(decoder.decode());
  return parser.finish();
}
