// Watches every peer's mesh events and keeps, per message, who sent it when and who got it
// when (and how often), so scenarios can state delivery ratio, duplicates at the application,
// hop counts and latency percentiles against the set of peers that should have got it.
import type { MeshEvent } from '../../protocol/mesh/events.ts';

export interface Sent {
  readonly id: string;
  readonly from: string;
  readonly at: number;
  readonly flag: string;
  /** Peers (names) that must receive it; filled by the scenario. */
  expected: Set<string>;
}

export interface Receipt {
  readonly at: number;
  readonly hops: number;
  count: number;
}

export class DeliveryLog {
  readonly sent = new Map<string, Sent>();
  readonly got = new Map<string, Map<string, Receipt>>();
  mismatches: Array<{ peer: string; at: number; remote: string }> = [];

  constructor(private readonly clock: () => number) {}

  /** Feed one peer's events (call from handle.onEvent). */
  observe(peer: string, event: MeshEvent): void {
    if (event.type === 'message') {
      let receipts = this.got.get(event.id);
      if (receipts === undefined) this.got.set(event.id, (receipts = new Map()));
      const r = receipts.get(peer);
      if (r) r.count++;
      else receipts.set(peer, { at: this.clock(), hops: event.hops, count: 1 });
    } else if (event.type === 'protocol-mismatch') {
      this.mismatches.push({ peer, at: this.clock(), remote: event.remote_id });
    }
  }

  record(id: string, from: string, flag: string, expected: Iterable<string>): Sent {
    const s: Sent = { id, from, at: this.clock(), flag, expected: new Set(expected) };
    this.sent.set(id, s);
    return s;
  }

  /** Delivered / expected over the given messages, app-level duplicates, unexpected receivers. */
  summary(ids: Iterable<string>): { expected: number; delivered: number; duplicates: number; unexpected: number; latencies: number[]; hops: number[] } {
    let expected = 0;
    let delivered = 0;
    let duplicates = 0;
    let unexpected = 0;
    const latencies: number[] = [];
    const hops: number[] = [];
    for (const id of ids) {
      const s = this.sent.get(id);
      if (s === undefined) continue;
      const receipts = this.got.get(id) ?? new Map<string, Receipt>();
      expected += s.expected.size;
      let last = 0;
      for (const [peer, r] of receipts) {
        duplicates += r.count - 1;
        if (!s.expected.has(peer)) continue;
        delivered++;
        latencies.push(r.at - s.at);
        last = Math.max(last, r.hops);
      }
      for (const peer of receipts.keys()) if (!s.expected.has(peer) && s.flag !== 'broadcast') unexpected++;
      hops.push(last);
    }
    return { expected, delivered, duplicates, unexpected, latencies, hops };
  }
}

/** The p-th percentile (0..100) of `values` (nearest rank), 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function round(x: number, digits = 4): number {
  return Number(x.toFixed(digits));
}
