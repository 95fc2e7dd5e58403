// Per-node counts up to the replay cursor, for the topology graph and the summary table:
// datagrams sent, delivered to the node, and dropped at the node by reason.

import type { TraceEvent } from '../trace/types.ts';

export interface NodeCounts {
  sent: number;
  delivered: number;
  natted: number;
  dropped: number;
  readonly dropsByReason: Map<string, number>;
}

export interface CountsAt {
  readonly byNode: Map<string, NodeCounts>;
  readonly reasons: string[];
  readonly totals: NodeCounts;
}

const empty = (): NodeCounts => ({ sent: 0, delivered: 0, natted: 0, dropped: 0, dropsByReason: new Map() });

/** First index with t > cursor, by binary search over the time-sorted events. */
export function eventsUpTo(events: readonly TraceEvent[], cursor_ms: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.t <= cursor_ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function countsAt(events: readonly TraceEvent[], nodes: readonly string[], cursor_ms: number): CountsAt {
  const byNode = new Map<string, NodeCounts>(nodes.map((n) => [n, empty()]));
  const totals = empty();
  const reasons = new Set<string>();
  const end = eventsUpTo(events, cursor_ms);
  for (let i = 0; i < end; i++) {
    const e = events[i]!;
    let c = byNode.get(e.node);
    if (c === undefined) {
      c = empty();
      byNode.set(e.node, c);
    }
    switch (e.kind) {
      case 'send':
        c.sent++;
        totals.sent++;
        break;
      case 'deliver':
        c.delivered++;
        totals.delivered++;
        break;
      case 'nat':
        c.natted++;
        totals.natted++;
        break;
      case 'drop':
        c.dropped++;
        totals.dropped++;
        c.dropsByReason.set(e.reason, (c.dropsByReason.get(e.reason) ?? 0) + 1);
        totals.dropsByReason.set(e.reason, (totals.dropsByReason.get(e.reason) ?? 0) + 1);
        reasons.add(e.reason);
        break;
      default:
        break;
    }
  }
  return { byNode, reasons: [...reasons].sort(), totals };
}
