// Client-side STUN transactions over UDP with RFC 8489 section 6.2.1 retransmission: requests
// at 0, RTO, 3 RTO, 7 RTO ... (Rc requests in all), then failure Rm x RTO after the last one.
// Responses are matched by transaction id; the table is bounded.
import type { Addr } from '../core/addr.ts';
import { hex } from '../core/bytes.ts';
import type { Transmit } from '../core/machine.ts';
import type { Millis } from '../core/time.ts';
import type { DecodedStun } from './stun-types.ts';

export interface RetransmitPolicy {
  /** Initial retransmission timeout; RFC 8489 recommends 500 ms (SHOULD be > 500 ms on the internet). */
  readonly rto_ms: number;
  /** Rc: requests sent in all (RFC default 7). */
  readonly requests_max: number;
  /** Rm: multiple of RTO waited after the last request (RFC default 16). */
  readonly last_wait_rto: number;
}

export const RFC8489_POLICY: RetransmitPolicy = { rto_ms: 500, requests_max: 7, last_wait_rto: 16 };

interface Pending<T> {
  readonly tag: T;
  readonly remote: Addr;
  readonly local: Addr | undefined;
  readonly data: Uint8Array;
  readonly policy: RetransmitPolicy;
  sent: number;
  rto_ms: number;
  first_sent_at: Millis;
  last_sent_at: Millis;
  next_at: Millis;
}

export class TransactionTableFull extends Error {
  constructor(readonly transactions_max: number) {
    super(`STUN transaction table full (${transactions_max})`);
    this.name = 'TransactionTableFull';
  }
}

function tidKey(tid: Uint8Array): string {
  return hex(tid);
}

export class StunTransactions<T> {
  private readonly pending = new Map<string, Pending<T>>();

  constructor(private readonly transactions_max = 512) {}

  get size(): number {
    return this.pending.size;
  }

  /** Starts a transaction and returns the first transmission. */
  start(now: Millis, transactionId: Uint8Array, data: Uint8Array, remote: Addr, tag: T, policy: RetransmitPolicy, local?: Addr): Transmit {
    if (this.pending.size >= this.transactions_max) throw new TransactionTableFull(this.transactions_max);
    this.pending.set(tidKey(transactionId), {
      tag, remote, local, data, policy, sent: 1, rto_ms: policy.rto_ms, first_sent_at: now, last_sent_at: now,
      next_at: policy.requests_max <= 1 ? now + policy.rto_ms * policy.last_wait_rto : now + policy.rto_ms,
    });
    return local ? { remote, data, local } : { remote, data };
  }

  /** Matches a response; returns its tag and RTT (Karn: from the last send if retransmitted). */
  match(now: Millis, message: DecodedStun): { tag: T; rtt_ms: number; retransmitted: boolean } | undefined {
    const key = tidKey(message.transactionId);
    const p = this.pending.get(key);
    if (!p) return undefined;
    this.pending.delete(key);
    return { tag: p.tag, rtt_ms: now - (p.sent > 1 ? p.last_sent_at : p.first_sent_at), retransmitted: p.sent > 1 };
  }

  /** Retransmits due requests into `out` and returns the tags of transactions that failed. */
  expire(now: Millis, out: (t: Transmit) => void): T[] {
    const failed: T[] = [];
    for (const [key, p] of this.pending) {
      if (p.next_at > now) continue;
      if (p.sent >= p.policy.requests_max) {
        this.pending.delete(key);
        failed.push(p.tag);
        continue;
      }
      p.sent++;
      p.rto_ms *= 2;
      p.last_sent_at = now;
      p.next_at = p.sent >= p.policy.requests_max ? now + p.policy.rto_ms * p.policy.last_wait_rto : now + p.rto_ms;
      out(p.local ? { remote: p.remote, data: p.data, local: p.local } : { remote: p.remote, data: p.data });
    }
    return failed;
  }

  nextDeadline(): Millis | undefined {
    let best: Millis | undefined;
    for (const p of this.pending.values()) if (best === undefined || p.next_at < best) best = p.next_at;
    return best;
  }

  cancelAll(): void {
    this.pending.clear();
  }
}
