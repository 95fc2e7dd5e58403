// A table of named deadlines. A machine keeps one entry per purpose ("retransmit",
// "keepalive", "idle") and reports the earliest as its pollTimeout(). The stored deadline is
// the one number used for both "when" (earliest) and "whether" (expire: now >= deadline), so
// expire(earliest()) always fires it: no float rounding can leave a timer due for ever.
import type { Millis } from './time.ts';

export class TimerTable<Name extends string> {
  private readonly deadlines = new Map<Name, Millis>();

  set(name: Name, at: Millis): void {
    if (!Number.isFinite(at)) throw new RangeError(`timer ${name} at ${at}`);
    this.deadlines.set(name, at);
  }

  /** Sets the timer only if it is unset or later than `at`. */
  setEarlier(name: Name, at: Millis): void {
    const current = this.deadlines.get(name);
    if (current === undefined || at < current) this.set(name, at);
  }

  clear(name: Name): void {
    this.deadlines.delete(name);
  }

  get(name: Name): Millis | undefined {
    return this.deadlines.get(name);
  }

  has(name: Name): boolean {
    return this.deadlines.has(name);
  }

  /** The earliest deadline, or undefined when no timer is set. */
  earliest(): Millis | undefined {
    let best: Millis | undefined;
    for (const at of this.deadlines.values()) if (best === undefined || at < best) best = at;
    return best;
  }

  /** Removes and returns, earliest first, every timer due at or before `now`. */
  expire(now: Millis): Name[] {
    const due: Array<[Name, Millis]> = [];
    for (const [name, at] of this.deadlines) if (now >= at) due.push([name, at]);
    due.sort((a, b) => a[1] - b[1]);
    for (const [name] of due) this.deadlines.delete(name);
    return due.map(([name]) => name);
  }
}
