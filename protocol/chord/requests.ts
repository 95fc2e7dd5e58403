// Requests in flight: each has a random id (so a blind stranger cannot answer it), the
// address it went to (a reply from anywhere else is dropped), a stored deadline and the two
// continuations (reply, timeout). Bounded by requests_max; the earliest deadline is cached.
import { addrEquals, type Addr } from '../core/addr.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import type { ChordWire } from './wire.ts';

export interface Request {
  readonly rid: number;
  readonly to: Addr;
  readonly deadline: Millis;
  readonly onReply: (now: Millis, message: ChordWire) => void;
  readonly onTimeout: (now: Millis) => void;
}

export class RequestTable {
  private readonly pending = new Map<number, Request>();
  private earliestCache: Millis | undefined;
  private dirty = false;

  constructor(
    private readonly rng: Rng,
    readonly requests_max: number,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  get full(): boolean {
    return this.pending.size >= this.requests_max;
  }

  /** A fresh non-zero id not in use (0 marks messages that expect no answer). */
  freshId(): number {
    for (;;) {
      const rid = this.rng.nextUint32();
      if (rid !== 0 && !this.pending.has(rid)) return rid;
    }
  }

  add(request: Request): void {
    this.pending.set(request.rid, request);
    if (this.earliestCache === undefined || request.deadline < this.earliestCache) this.earliestCache = request.deadline;
  }

  /** The request this reply answers, removed from the table; undefined for a stray or spoofed reply. */
  take(rid: number, from: Addr): Request | undefined {
    const request = this.pending.get(rid);
    if (request === undefined || !addrEquals(request.to, from)) return undefined;
    this.pending.delete(rid);
    if (request.deadline === this.earliestCache) this.dirty = true;
    return request;
  }

  earliest(): Millis | undefined {
    if (this.dirty) {
      this.dirty = false;
      let best: Millis | undefined;
      for (const r of this.pending.values()) if (best === undefined || r.deadline < best) best = r.deadline;
      this.earliestCache = best;
    }
    return this.earliestCache;
  }

  /** Removes and returns every request due at `now` (its deadline <= now), earliest first. */
  expire(now: Millis): Request[] {
    const due: Request[] = [];
    for (const r of this.pending.values()) if (now >= r.deadline) due.push(r);
    if (due.length === 0) return due;
    due.sort((a, b) => a.deadline - b.deadline);
    for (const r of due) this.pending.delete(r.rid);
    this.dirty = true;
    return due;
  }

  clear(): void {
    this.pending.clear();
    this.earliestCache = undefined;
    this.dirty = false;
  }
}
