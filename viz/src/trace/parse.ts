// Reads a JSON Lines trace (docs/trace-format.md) into typed events. A line that does not
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

/** Parses a whole trace text. Events come back sorted by time, ties in file order. */
export function parseTrace(text: string): ParsedTrace {
  const problems: ParseProblem[] = [];
  let problemsDropped = 0;
  const report = (line: number, message: string): void => {
    if (problems.length < PROBLEMS_MAX) problems.push({ line, message });
    else problemsDropped++;
  };
  const events: TraceEvent[] = [];
  let header: TraceHeader | undefined;
  let unknownKinds = 0;
  let lines = 0;
  let sorted = true;
  // split() hands out cheap slices of the big string; faster than indexOf/slice by hand
  const all = text.split('\n');
  for (let i = 0; i < all.length; i++) {
    const lineNo = i + 1;
    let lineText = all[i]!;
    if (lineText.endsWith('\r')) lineText = lineText.slice(0, -1);
    if (lineText.trim() === '') continue;
    lines++;
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch (err) {
      report(lineNo, `not JSON: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    if (!isObject(value)) {
      report(lineNo, 'not a JSON object');
      continue;
    }
    if (value.kind === 'run') {
      if (header === undefined) header = parseHeader(value);
      else report(lineNo, 'a second "run" header; ignored');
      continue;
    }
    try {
      const event = parseEvent(value, lineNo);
      if (event === undefined) {
        unknownKinds++;
        continue;
      }
      const last = events[events.length - 1];
      if (last !== undefined && event.t < last.t) sorted = false;
      events.push(event);
    } catch (err) {
      report(lineNo, err instanceof Error ? err.message : String(err));
    }
  }
  if (!sorted) {
    // Real traces merge several writers; order by time and keep file order on ties.
    events.sort((a, b) => a.t - b.t || a.line - b.line);
  }
  return { header, events, problems, problemsDropped, unknownKinds, lines };
}
