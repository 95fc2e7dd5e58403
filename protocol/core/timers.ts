// A table of named deadlines. A machine keeps one entry per purpose ("retransmit",
// "keepalive", "idle") and reports the earliest as its pollTimeout(). The stored deadline is
// the one number used for both "when" (earliest) and "whether" (expire: now >= deadline), so
// expire(earliest()) always fires it: no float rounding can leave a timer due for ever.
//
// The earliest deadline is remembered: drivers ask pollTimeout() after every datagram, and a
// simulated ring of thousands of machines asks millions of times while the deadlines
// themselves change far less often. A change that can only pull the earliest in updates it at
// once; one that may push it out (the earliest timer moved later or cleared) marks it stale,
// and the next earliest() or expire() scans. expire() before the earliest deadline returns
// without a scan.
import type { Millis } from './time.ts';

export class TimerTable<Name extends string> {
  private readonly deadlines = new Map<Name, Millis>();
  /** The earliest deadline when `fresh` (undefined: no timer set). */
  private cached: Millis | undefined;
  private fresh = true;

  set(name: Name, at: Millis): void {
    if (!Number.isFinite(at)) throw new RangeError(`timer ${name} at ${at}`);
    const old = this.deadlines.get(name);
    this.deadlines.set(name, at);
    if (!this.fresh) return;
    // The earliest timer moved later: some other timer may now be first.
    if (old !== undefined && old === this.cached && at > old) this.fresh = false;
    else if (this.cached === undefined || at < this.cached) this.cached = at;
  }

  /** Sets the timer only if it is unset or later than `at`. */
  setEarlier(name: Name, at: Millis): void {
    const current = this.deadlines.get(name);
    if (current === undefined || at < current) this.set(name, at);
  }

  clear(name: Name): void {
    const old = this.deadlines.get(name);
    if (old === undefined) return;
    this.deadlines.delete(name);
    if (old === this.cached) this.fresh = false;
  }

  get(name: Name): Millis | undefined {
    return this.deadlines.get(name);
  }

  has(name: Name): boolean {
    return this.deadlines.has(name);
  }

  /** The earliest deadline, or undefined when no timer is set. */
  earliest(): Millis | undefined {
    if (!this.fresh) this.rescan();
    return this.cached;
  }

  /** Removes and returns, earliest first, every timer due at or before `now`. */
  expire(now: Millis): Name[] {
    const first = this.earliest();
    if (first === undefined || now < first) return [];
    const deadlines = this.deadlines;
    const due: Name[] = [];
    for (const [name, at] of deadlines) if (now >= at) due.push(name);
    // Stable: timers due at the same instant keep the order they were first set in.
    if (due.length > 1) due.sort((a, b) => deadlines.get(a)! - deadlines.get(b)!);
    for (const name of due) deadlines.delete(name);
    this.rescan();
    return due;
  }

  private rescan(): void {
    let best: Millis | undefined;
    for (const at of this.deadlines.values()) if (best === undefined || at < best) best = at;
    this.cached = best;
    this.fresh = true;
  }
}
