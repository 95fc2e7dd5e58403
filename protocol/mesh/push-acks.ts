// Hop-by-hop acknowledgement of eager pushes (MeshLimits.eager_acks; plumtree.ts says why):
// each push waits for the child's ACK (or its GRAFT) for ack_timeout_ms, doubling per try up
// to reoffer_interval_max_ms; one still unanswered is handed back to be re-offered as an IHAVE
// on the same link, at most retransmits_max times, and forgotten when the link goes or turns
// lazy. Bounded by unacked_max.
import type { Millis } from '../core/time.ts';
import type { MeshLimits } from './config.ts';
import type { Neighbour } from './neighbour.ts';
import { hex, type Announcement } from './wire.ts';

interface Unacked {
  readonly to: Neighbour;
  readonly id: Uint8Array;
  readonly hops: number;
  deadline: Millis;
  tries: number;
}

export class PushAcks {
  private readonly unacked = new Map<string, Unacked>();

  constructor(private readonly limits: MeshLimits) {}

  /** We pushed `id` to `to`; returns false when the table is full (the push goes unwatched). */
  pushed(now: Millis, to: Neighbour, id: Uint8Array, hops: number): boolean {
    if (this.unacked.size >= this.limits.unacked_max) return false;
    this.unacked.set(ackKey(to, id), { to, id, hops, deadline: now + this.limits.ack_timeout_ms, tries: 0 });
    return true;
  }

  /** `from` has `id` (an ACK), or asked for it (a GRAFT): stop watching. */
  answered(from: Neighbour, id: Uint8Array): void {
    this.unacked.delete(ackKey(from, id));
  }

  nextDeadline(): Millis | undefined {
    let best: Millis | undefined;
    for (const u of this.unacked.values()) if (best === undefined || u.deadline < best) best = u.deadline;
    return best;
  }

  /**
   * The pushes due at `now` that are worth re-offering (`live(link)`: still our eager link),
   * each with its next deadline set; the rest are forgotten.
   */
  due(now: Millis, live: (to: Neighbour) => boolean): Array<{ to: Neighbour; item: Announcement }> {
    const out: Array<{ to: Neighbour; item: Announcement }> = [];
    for (const [key, u] of this.unacked) {
      if (u.deadline > now) continue;
      if (u.tries >= this.limits.retransmits_max || !live(u.to)) {
        this.unacked.delete(key);
        continue;
      }
      u.tries++;
      u.deadline = now + Math.min(this.limits.ack_timeout_ms * 2 ** u.tries, this.limits.reoffer_interval_max_ms);
      out.push({ to: u.to, item: { id: u.id, hops: u.hops } });
    }
    return out;
  }
}

function ackKey(n: Neighbour, id: Uint8Array): string {
  return `${n.addrKey}/${hex(id)}`;
}
