// Turns a trace (docs/trace-format.md) into pcapng frames. One frame per `send`, with the
// addresses the sender used, at the send's virtual time: what a capture on the sender
// would show. With `hops`, each NAT rewrite adds a frame with the rewritten addresses, so
// the translation is visible in Wireshark too. Payload: the datagram bytes when the send
// carries `data` (hex), else zero bytes of the traced length. Each frame's comment names
// the packet id, protocol and outcome (delivered where, or dropped with the reason).

import { parseAddr, type Addr } from '../../protocol/core/addr.ts';
import { FrameError, udpPacket, UDP_PAYLOAD_MAX_V4, UDP_PAYLOAD_MAX_V6 } from './frame.ts';
import { PcapngWriter } from './pcapng.ts';

export interface PcapExportOptions {
  /** also emit a frame per NAT translation (default: one frame per send) */
  readonly hops?: boolean;
}

export interface PcapExportResult {
  readonly bytes: Uint8Array;
  readonly frames: number;
  /** datagrams not written, by why (bad address, mixed families) */
  readonly skipped: Readonly<Record<string, number>>;
  /** payloads longer than one UDP packet holds, written truncated */
  readonly truncated: number;
  /** lines that were not JSON objects */
  readonly badLines: number;
}

interface Hop {
  readonly t: number;
  readonly id: string;
  readonly src: string;
  readonly dst: string;
  readonly bytes: number;
  readonly data: string | undefined;
  readonly label: string;
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

function payloadOf(hop: Hop, max: number): { payload: Uint8Array; truncated: boolean } {
  const length = Math.max(0, Math.floor(hop.bytes));
  const payload = new Uint8Array(Math.min(length, max));
  if (hop.data !== undefined && HEX.test(hop.data)) {
    for (let i = 0; i < payload.byteLength && i * 2 < hop.data.length; i++) payload[i] = parseInt(hop.data.slice(i * 2, i * 2 + 2), 16);
  }
  return { payload, truncated: length > max };
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Converts trace lines to a pcapng file in memory. */
export function exportPcapng(lines: Iterable<string>, options: PcapExportOptions = {}): PcapExportResult {
  let epoch_ns = 0n;
  const hops: Hop[] = [];
  const outcome = new Map<string, string>();
  const proto = new Map<string, string>();
  const sendBytes = new Map<string, number>();
  let badLines = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      badLines++;
      continue;
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) {
      badLines++;
      continue;
    }
    const r = o as Record<string, unknown>;
    if (r.kind === 'run') {
      const started = text(r.started);
      const ms = r.world === 'real' && started !== undefined ? Date.parse(started) : NaN;
      if (Number.isFinite(ms)) epoch_ns = BigInt(ms) * 1_000_000n;
      continue;
    }
    if (typeof r.t !== 'number' || !Number.isFinite(r.t)) continue;
    const id = r.id === undefined ? '' : String(r.id);
    const node = text(r.node) ?? '?';
    if (r.kind === 'send') {
      proto.set(id, text(r.proto) ?? 'unknown');
      const bytes = typeof r.bytes === 'number' ? r.bytes : 0;
      sendBytes.set(id, bytes);
      hops.push({ t: r.t, id, src: text(r.src) ?? '', dst: text(r.dst) ?? '', bytes, data: text(r.data), label: `send by ${node}` });
    } else if (r.kind === 'nat' && options.hops === true) {
      hops.push({ t: r.t, id, src: text(r.to_src) ?? '', dst: text(r.to_dst) ?? '', bytes: sendBytes.get(id) ?? 0, data: undefined, label: `after ${node} ${text(r.dir) ?? ''}` });
    } else if (r.kind === 'deliver') {
      outcome.set(id, `delivered to ${node} at ${r.t} ms`);
    } else if (r.kind === 'drop') {
      outcome.set(id, `dropped at ${node} (${text(r.reason) ?? '?'}${r.where === undefined ? '' : ` on ${String(r.where)}`}) at ${r.t} ms`);
    }
  }
  const writer = new PcapngWriter('peerlab', 'peerlab-trace');
  const skipped: Record<string, number> = {};
  let truncated = 0;
  const payloadById = new Map<string, Uint8Array>();
  for (const hop of hops) {
    let src: Addr;
    let dst: Addr;
    try {
      src = parseAddr(hop.src);
      dst = parseAddr(hop.dst);
    } catch {
      skipped['bad-address'] = (skipped['bad-address'] ?? 0) + 1;
      continue;
    }
    const max = src.family === 4 ? UDP_PAYLOAD_MAX_V4 : UDP_PAYLOAD_MAX_V6;
    // NAT hop frames carry the same bytes as the send they belong to
    let payload = hop.data === undefined ? payloadById.get(hop.id) : undefined;
    if (payload === undefined || payload.byteLength > max) {
      const p = payloadOf(hop, max);
      payload = p.payload;
      if (p.truncated) truncated++;
      payloadById.set(hop.id, payload);
    }
    let packet: Uint8Array;
    try {
      packet = udpPacket(src, dst, payload, Number(hop.id) || 0);
    } catch (err) {
      const why = err instanceof FrameError && err.message.startsWith('mixed') ? 'mixed-families' : 'unframeable';
      skipped[why] = (skipped[why] ?? 0) + 1;
      continue;
    }
    const comment = `peerlab id=${hop.id} ${proto.get(hop.id) ?? 'unknown'}, ${hop.label}; ${outcome.get(hop.id) ?? 'no outcome in trace'}`;
    writer.packet(epoch_ns + BigInt(Math.round(hop.t * 1_000_000)), packet, comment);
  }
  return { bytes: writer.bytes(), frames: writer.frames, skipped, truncated, badLines };
}
