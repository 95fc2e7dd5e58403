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

export function countsAt(events: readonly TraceEvent[], nodes: readonly string[], cursor_ms: number, include?: (e: TraceEvent) => boolean): CountsAt {
  return new RunningCounts(events, nodes, include).at(cursor_ms);
}

/** Events visited by every RunningCounts so far (the test hook reads it: playback must add
 * only the events since the last frame, never recount from the start). */
let visitedTotal = 0;
export function countsVisited(): number {
  return visitedTotal;
}

/**
 * Counts up to a cursor that mostly moves forwards (playback): each call adds only the
 * events since the last one, and starts over only when the cursor goes back. The returned
 * counts are live: read them before the next call.
 */
export class RunningCounts {
  private byNode = new Map<string, NodeCounts>();
  private totals = empty();
  private reasons = new Set<string>();
  /** events[0, next) are counted */
  private next = 0;

  constructor(
    private readonly events: readonly TraceEvent[],
    private readonly nodes: readonly string[],
    private readonly include: ((e: TraceEvent) => boolean) | undefined,
  ) {
    this.reset();
  }

  private reset(): void {
    this.byNode = new Map<string, NodeCounts>(this.nodes.map((n) => [n, empty()]));
    this.totals = empty();
    this.reasons = new Set();
    this.next = 0;
  }

  at(cursor_ms: number): CountsAt {
    const end = eventsUpTo(this.events, cursor_ms);
    if (end < this.next) this.reset();
    const { byNode, totals, reasons, include } = this;
    for (let i = this.next; i < end; i++) {
      const e = this.events[i]!;
      if (include !== undefined && !include(e)) continue;
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
    visitedTotal += Math.max(0, end - this.next);
    this.next = end;
    return { byNode, reasons: [...reasons].sort(), totals };
  }
}
