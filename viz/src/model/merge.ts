// Merges the two per-side traces of a real `peerlab connect` (run with `--trace
// --trace-datagrams`) into one trace that replays like a simulated one: each datagram one
// side sent and the other received becomes one arrow (one packet id), and side B's clock is
// moved onto side A's.
//
// The clock offset θ (B's trace time minus A's for the same instant) comes from the
// handshake's datagrams between the two peers, as NTP does from request/response pairs:
// a datagram A→B sent at T1 (A's clock) and received at T2 (B's) says T2 − T1 = θ + d with a
// one-way delay d ≥ 0, so θ ≤ T2 − T1; one B→A sent at T3 and received at T4 says θ ≥ T3 − T4.
// The tightest pair of bounds (NTP's minimum-delay filter applied to each direction) brackets
// θ; the estimate is the middle, the error bound half the width, i.e. half the round-trip
// time of the fastest exchange. Matching sent to received datagrams needs no clock: UDP on
// one path keeps order, so each direction's sends and receives are aligned in order by size
// (a lost datagram is skipped), using the first HANDSHAKE_DATAGRAMS of each direction, where
// datagrams are sparse and their sizes varied. Pure (no DOM, no node:), so the CLI and the
// tests share it.

/** How many peer-to-peer datagrams per direction the offset is estimated from. */
export const HANDSHAKE_DATAGRAMS = 64;
/** How far ahead (in sends) a receive may match: more consecutive losses than this and the
 * receive stays unmatched. */
const LOOKAHEAD_SENDS = 32;

export type TraceRecord = Record<string, unknown>;

export interface SideTrace {
  readonly header: TraceRecord;
  readonly events: readonly TraceRecord[];
}

export interface ClockEstimate {
  /** B's trace time minus A's trace time for the same instant (ms) */
  readonly offset_ms: number;
  /** |true offset − offset_ms| ≤ error_ms, if the matches are right */
  readonly error_ms: number;
  /** matched datagrams each way the bounds came from */
  readonly forward: number;
  readonly backward: number;
  /** what the two `started` wall clocks say the offset is (started_A − started_B), for comparison */
  readonly wall_offset_ms: number | undefined;
  /** how the offset was found */
  readonly method: 'handshake' | 'one-way' | 'wall-clock';
}

export interface MergeResult {
  readonly header: TraceRecord;
  readonly events: TraceRecord[];
  readonly clock: ClockEstimate;
  /** datagrams seen on both sides (one arrow each) */
  readonly matched: number;
  /** deliveries moved later (by at most error_ms) so no arrow runs back in time */
  readonly clamped: number;
}

export class MergeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MergeError';
  }
}

/** Parses one side's JSONL (header first). Bad lines are an error: a merge needs both sides whole. */
export function parseSide(text: string, label: string): SideTrace {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new MergeError(`${label}: empty trace`);
  const records = lines.map((l, i) => {
    try {
      const r = JSON.parse(l) as unknown;
      if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new Error('not an object');
      return r as TraceRecord;
    } catch (e) {
      throw new MergeError(`${label} line ${i + 1}: ${(e as Error).message}`);
    }
  });
  const header = records[0]!;
  if (header.kind !== 'run') throw new MergeError(`${label}: the first line is not a run header`);
  if (header.world !== 'real') throw new MergeError(`${label}: world "${String(header.world)}", not a real trace (simulated traces need no merge)`);
  return { header, events: records.slice(1) };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);

function nodeOf(side: SideTrace): string {
  const nodes = (side.header.topology as { nodes?: { name?: unknown }[] } | undefined)?.nodes;
  const fromHeader = nodes?.[0]?.name;
  if (typeof fromHeader === 'string') return fromHeader;
  const first = side.events.find((e) => typeof e.node === 'string');
  return first === undefined ? 'side' : str(first.node);
}

/** Addresses a side is known by: what it sends from, receives on, and what STUN, the rendezvous and the peer saw. */
function ownAddresses(side: SideTrace): Set<string> {
  const out = new Set<string>();
  for (const e of side.events) {
    if (e.kind === 'send') out.add(str(e.src));
    else if (e.kind === 'deliver') out.add(str(e.dst));
    else if (e.kind === 'event') {
      const d = (e.data ?? {}) as TraceRecord;
      for (const k of ['mapped', 'observed']) if (typeof d[k] === 'string') out.add(d[k] as string);
    }
  }
  out.delete('');
  return out;
}

/** Addresses a side reached its peer at (its `path` events' remote, direct paths only). */
function peerAddresses(side: SideTrace): Set<string> {
  const out = new Set<string>();
  for (const e of side.events) {
    if (e.kind !== 'event' || (e.name !== 'path' && e.name !== 'path-proposed')) continue;
    const d = (e.data ?? {}) as TraceRecord;
    if (d.path !== 'relay' && typeof d.remote === 'string') out.add(d.remote);
  }
  return out;
}

interface Match {
  readonly send: TraceRecord;
  readonly deliver: TraceRecord;
}

/** Aligns one direction's sends and receives in order, by size. */
function align(sends: readonly TraceRecord[], delivers: readonly TraceRecord[]): Match[] {
  const out: Match[] = [];
  let i = 0;
  for (const d of delivers) {
    const bytes = num(d.bytes);
    for (let j = i; j < Math.min(sends.length, i + LOOKAHEAD_SENDS); j++) {
      if (num(sends[j]!.bytes) === bytes) {
        out.push({ send: sends[j]!, deliver: d });
        i = j + 1;
        break;
      }
    }
  }
  return out;
}

/** The datagrams from `from` to `to`, matched (sends on `from`, receives on `to`). */
function direction(from: SideTrace, to: SideTrace): Match[] {
  const toAddrs = new Set([...ownAddresses(to), ...peerAddresses(from)]);
  const fromAddrs = new Set([...ownAddresses(from), ...peerAddresses(to)]);
  // a server both talk to (the rendezvous) is neither peer's address
  const sends = from.events.filter((e) => e.kind === 'send' && toAddrs.has(str(e.dst)));
  const delivers = to.events.filter((e) => e.kind === 'deliver' && fromAddrs.has(str(e.src)));
  return align(sends, delivers);
}

function wallOffset(a: SideTrace, b: SideTrace): number | undefined {
  const ta = Date.parse(str(a.header.started));
  const tb = Date.parse(str(b.header.started));
  return Number.isFinite(ta) && Number.isFinite(tb) ? ta - tb : undefined;
}

export function estimateClock(forward: readonly Match[], backward: readonly Match[], wall_offset_ms: number | undefined): ClockEstimate {
  const f = forward.slice(0, HANDSHAKE_DATAGRAMS);
  const b = backward.slice(0, HANDSHAKE_DATAGRAMS);
  // θ ≤ T2 − T1 for A→B; θ ≥ T3 − T4 for B→A
  const upper = Math.min(...f.map((m) => num(m.deliver.t) - num(m.send.t)));
  const lower = Math.max(...b.map((m) => num(m.send.t) - num(m.deliver.t)));
  if (f.length > 0 && b.length > 0 && lower <= upper) {
    return { offset_ms: (lower + upper) / 2, error_ms: (upper - lower) / 2, forward: f.length, backward: b.length, wall_offset_ms, method: 'handshake' };
  }
  if (f.length > 0 && b.length > 0) {
    // inconsistent bounds (a wrong match, or clocks that drifted during the handshake): NTP's
    // single best pair, its error half its round trip as measured
    const offset_ms = (lower + upper) / 2;
    return { offset_ms, error_ms: Math.abs(lower - upper) / 2, forward: f.length, backward: b.length, wall_offset_ms, method: 'handshake' };
  }
  if (wall_offset_ms !== undefined && (f.length > 0 || b.length > 0)) {
    // one direction only: the wall clocks, clipped to the one bound we have
    const offset_ms = f.length > 0 ? Math.min(wall_offset_ms, upper) : Math.max(wall_offset_ms, lower);
    return { offset_ms, error_ms: Infinity, forward: f.length, backward: b.length, wall_offset_ms, method: 'one-way' };
  }
  if (wall_offset_ms !== undefined) return { offset_ms: wall_offset_ms, error_ms: Infinity, forward: 0, backward: 0, wall_offset_ms, method: 'wall-clock' };
  throw new MergeError('no datagrams seen by both sides and no wall-clock start in the headers: run both `peerlab connect` with --trace and --trace-datagrams');
}

export function mergeTraces(a: SideTrace, b: SideTrace): MergeResult {
  const nameA = nodeOf(a);
  const nameB = nodeOf(b);
  if (nameA === nameB) throw new MergeError(`both traces are of node "${nameA}": give the two sides of one connect`);
  const forward = direction(a, b);
  const backward = direction(b, a);
  const clock = estimateClock(forward, backward, wallOffset(a, b));
  // one id per datagram seen on both sides: the receive takes the send's id
  const idOf = new Map<TraceRecord, unknown>();
  const sendT = new Map<TraceRecord, number>();
  for (const m of forward) {
    idOf.set(m.deliver, m.send.id);
    sendT.set(m.deliver, num(m.send.t));
  }
  for (const m of backward) {
    idOf.set(m.deliver, m.send.id);
    sendT.set(m.deliver, num(m.send.t) - clock.offset_ms);
  }
  let clamped = 0;
  const events: TraceRecord[] = [];
  for (const e of a.events) {
    const id = idOf.get(e);
    let t = num(e.t);
    const s = sendT.get(e);
    if (s !== undefined && t < s) (t = s), clamped++;
    events.push(id === undefined && t === e.t ? e : { ...e, t, ...(id === undefined ? {} : { id }) });
  }
  for (const e of b.events) {
    const id = idOf.get(e);
    let t = num(e.t) - clock.offset_ms;
    const s = sendT.get(e);
    if (s !== undefined && t < s) (t = s), clamped++;
    // a timer's deadline is on B's clock too
    const at = e.kind === 'timer' && typeof e.at === 'number' ? { at: e.at - clock.offset_ms } : {};
    events.push({ ...e, t, ...at, ...(id === undefined ? {} : { id }) });
  }
  events.sort((x, y) => num(x.t) - num(y.t));
  const topo = (s: SideTrace): { nodes: TraceRecord[]; realms: TraceRecord[] } => {
    const t = (s.header.topology ?? {}) as { nodes?: TraceRecord[]; realms?: TraceRecord[] };
    return { nodes: t.nodes ?? [], realms: t.realms ?? [] };
  };
  const realms = new Map<string, TraceRecord>();
  for (const r of [...topo(a).realms, ...topo(b).realms]) realms.set(str(r.name), r);
  const err = Number.isFinite(clock.error_ms) ? `± ${clock.error_ms.toFixed(3)} ms` : '(error unknown)';
  const note = `merged ${nameA} + ${nameB}: ${nameB}'s clock moved by ${(-clock.offset_ms).toFixed(3)} ms ${err}, from ${clock.method === 'handshake' ? `the handshake (${clock.forward} datagrams ${nameA}→${nameB}, ${clock.backward} back, NTP-style)` : clock.method === 'one-way' ? 'the wall clocks, bounded by one direction' : 'the wall clocks only'}${clock.wall_offset_ms === undefined ? '' : `; the wall clocks disagree with it by ${(clock.offset_ms - clock.wall_offset_ms).toFixed(1)} ms`}; ${forward.length + backward.length} datagrams matched${clamped > 0 ? `, ${clamped} deliveries moved ≤ the error so none precedes its send` : ''}`;
  const first = num(events[0]?.t);
  events.unshift({ t: Number.isFinite(first) ? Math.min(0, first) : 0, kind: 'log', node: nameA, level: 'info', message: note });
  const header: TraceRecord = {
    ...a.header,
    scenario: `merged ${str(a.header.scenario) || nameA} + ${str(b.header.scenario) || nameB}`,
    topology: { nodes: [...topo(a).nodes, ...topo(b).nodes], realms: [...realms.values()] },
    merge: { offset_ms: clock.offset_ms, error_ms: Number.isFinite(clock.error_ms) ? clock.error_ms : null, method: clock.method, forward: clock.forward, backward: clock.backward, wall_offset_ms: clock.wall_offset_ms ?? null, matched: forward.length + backward.length, clamped, note },
  };
  return { header, events, clock, matched: forward.length + backward.length, clamped };
}

/** The merged trace as JSONL. */
export function mergedText(r: MergeResult): string {
  return [r.header, ...r.events].map((x) => JSON.stringify(x)).join('\n') + '\n';
}
