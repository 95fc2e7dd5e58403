// The node's named deadlines (core TimerTable) with the earliest one remembered: the driver
// asks pollTimeout() after every datagram, and a ring of thousands of nodes asks millions of
// times while the deadlines themselves change far less often.
import type { Millis } from '../core/time.ts';
import { TimerTable } from '../core/timers.ts';

export class Deadlines<Name extends string> extends TimerTable<Name> {
  private cached: Millis | undefined;
  private fresh = true;

  override set(name: Name, at: Millis): void {
    const old = this.get(name);
    super.set(name, at);
    if (!this.fresh) return;
    // Moving the earliest deadline later: recompute on the next ask.
    if (old !== undefined && old === this.cached && at > old) this.fresh = false;
    else if (this.cached === undefined || at < this.cached) this.cached = at;
  }

  override clear(name: Name): void {
    super.clear(name);
    this.fresh = false;
  }

  override expire(now: Millis): Name[] {
    const due = super.expire(now);
    if (due.length > 0) this.fresh = false;
    return due;
  }

  override earliest(): Millis | undefined {
    if (!this.fresh) {
      this.cached = super.earliest();
      this.fresh = true;
    }
    return this.cached;
  }
}
