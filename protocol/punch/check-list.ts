// The connectivity checks of one punch attempt: (local socket, remote address) pairs probed in
// priority order (host > reflexive > predicted > birthday), paced at one new transmission per
// `pace_ms`, each retried with a doubling timeout up to `retries_max`. Checks are matched to
// acknowledgements by a random 32-bit transaction id. Bounded by `checks_max`.
import { addrKey, type Addr } from '../core/addr.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';

export type CheckKind = 'host' | 'reflexive' | 'predicted' | 'birthday' | 'triggered' | 'spare' | 'nominate' | 'repunch';

/** Lower sorts first. A re-punch (repunch.ts) is as urgent as a triggered check: the peer waits on it. */
const PRIORITY: Record<CheckKind, number> = { nominate: 0, triggered: 1, repunch: 1, host: 2, reflexive: 3, predicted: 4, spare: 5, birthday: 6 };

export interface Check {
  /** Transaction id of the newest transmission (each retransmission gets its own, Karn-style). */
  tx: number;
  readonly local: Addr;
  readonly remote: Addr;
  readonly kind: CheckKind;
  readonly order: number;
  sent: number;
  first_sent_at: Millis;
  last_sent_at: Millis;
  next_at: Millis;
  rto_ms: number;
  state: 'waiting' | 'in-progress' | 'succeeded' | 'failed';
}

export interface CheckListConfig {
  readonly pace_ms: number;
  readonly rto_ms: number;
  readonly retries_max: number;
  /** Bounds the checks; transmissions are bounded by checks_max x retries_max. */
  readonly checks_max: number;
  /** Copies of a check's first transmission: one lost datagram must not cost a whole RTO. */
  readonly first_burst: number;
}

export class CheckList {
  private readonly checks: Check[] = [];
  /** Every transmission's id -> its check and send time, so an ack gives that send's exact RTT. */
  private readonly byTx = new Map<number, { check: Check; at: Millis }>();
  private readonly byPair = new Map<string, Check>();
  private nextSlot: Millis = 0;
  private order = 0;
  transmissions = 0;

  constructor(
    private readonly config: CheckListConfig,
    private readonly rng: Rng,
  ) {}

  get size(): number {
    return this.checks.length;
  }

  /** Adds a check unless the pair is already listed or the list is full; returns it. */
  add(local: Addr, remote: Addr, kind: CheckKind, rto_ms = this.config.rto_ms): Check | undefined {
    const key = `${addrKey(local)}>${addrKey(remote)}`;
    const existing = this.byPair.get(key);
    if (existing) {
      // A triggered check (the peer just reached us on this pair) goes out again at once,
      // whatever its retransmission timer says: the path is very likely open now.
      if ((kind === 'triggered' || kind === 'nominate') && existing.state !== 'succeeded') {
        if (existing.sent === 0) existing.state = 'waiting';
        else {
          existing.state = 'in-progress';
          existing.next_at = 0;
          existing.sent = Math.min(existing.sent, this.config.retries_max - 1);
        }
      }
      return existing;
    }
    if (this.checks.length >= this.config.checks_max) return undefined;
    const check: Check = { tx: 0, local, remote, kind, order: this.order++, sent: 0, first_sent_at: 0, last_sent_at: 0, next_at: 0, rto_ms, state: 'waiting' };
    this.checks.push(check);
    this.byPair.set(key, check);
    return check;
  }

  /** The check a transmission belonged to, and when that transmission left. */
  byTransaction(tx: number): { check: Check; at: Millis } | undefined {
    return this.byTx.get(tx);
  }

  /**
   * Returns the transmissions due now (at most one new or retried check per pace slot; the
   * first transmission is sent `first_burst` times) and marks exhausted checks failed.
   */
  due(now: Millis, send: (check: Check, copies: number) => void): void {
    // Exhausted checks fail at their own deadline, whatever the pacing slot says (nextDeadline
    // reports that deadline, so it must be settled here: deadlines, not differences).
    for (const c of this.checks) if (c.state === 'in-progress' && now >= c.next_at && c.sent >= this.config.retries_max) c.state = 'failed';
    if (now < this.nextSlot) return;
    let best: Check | undefined;
    for (const c of this.checks) {
      const ready = (c.state === 'waiting') || (c.state === 'in-progress' && c.next_at <= now);
      if (!ready) continue;
      if (!best || PRIORITY[c.kind] < PRIORITY[best.kind] || (PRIORITY[c.kind] === PRIORITY[best.kind] && c.order < best.order)) best = c;
    }
    if (!best) return;
    const copies = best.sent === 0 ? this.config.first_burst : 1;
    if (best.sent === 0) best.first_sent_at = now;
    else best.rto_ms *= 2;
    best.sent++;
    best.last_sent_at = now;
    let tx = this.rng.nextUint32();
    while (this.byTx.has(tx)) tx = this.rng.nextUint32();
    best.tx = tx;
    this.byTx.set(tx, { check: best, at: now });
    best.next_at = now + best.rto_ms;
    best.state = 'in-progress';
    this.transmissions += copies;
    this.nextSlot = now + this.config.pace_ms;
    send(best, copies);
  }

  /** The next instant `due` has work, or undefined when every check is settled. */
  nextDeadline(): Millis | undefined {
    let best: Millis | undefined;
    for (const c of this.checks) {
      let at: Millis | undefined;
      if (c.state === 'waiting') at = this.nextSlot;
      else if (c.state === 'in-progress') at = Math.max(c.next_at, c.sent >= this.config.retries_max ? c.next_at : this.nextSlot);
      if (at !== undefined && (best === undefined || at < best)) best = at;
    }
    return best;
  }

  succeeded(check: Check): void {
    check.state = 'succeeded';
  }

  /** Stops every unsettled check except those of the kinds in `keep`. */
  stopExcept(keep: readonly CheckKind[]): void {
    for (const c of this.checks) {
      if ((c.state === 'waiting' || c.state === 'in-progress') && !keep.includes(c.kind)) c.state = 'failed';
    }
  }

  /** Stops every check still waiting or in progress (the attempt is over). */
  stop(): void {
    for (const c of this.checks) if (c.state === 'waiting' || c.state === 'in-progress') c.state = 'failed';
  }

  pending(): number {
    let n = 0;
    for (const c of this.checks) if (c.state === 'waiting' || c.state === 'in-progress') n++;
    return n;
  }
}
