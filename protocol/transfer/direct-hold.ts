// Holding a transfer's start for the punch (relay first, issue 15). The session opens over the
// relay at once while the punch runs in the background; a transfer that starts then may finish
// on the relay and close the session before the punch's direct pair could be validated inside
// it. With `await_direct_ms` the transfer starts when the punch has settled (the path moved to
// direct, or the punch gave up, or there was none) or the bound has passed, whichever is first:
// measurements (the kernel lab, goodput on the direct path) then see the path the pair ends on.
// Without it (the default) the transfer starts at once: first byte within 2 RTT of the relay.
import type { Millis } from '../core/time.ts';
import type { PeerEvent } from '../peer/peer.ts';

export class DirectHold {
  /** A punch is running and has neither reached a direct path nor given up. */
  private punching = false;
  /** Set while the start is held: when to start regardless. */
  private until: Millis | undefined;

  constructor(private readonly await_ms: number) {
    if (!(Number.isFinite(await_ms) && await_ms >= 0)) throw new RangeError(`await_direct_ms must be a finite number >= 0, got ${await_ms}`);
  }

  /** Follows the punch; returns true when this event ends a hold (start the transfer now). */
  observe(event: PeerEvent): boolean {
    if (event.type === 'punch-start') this.punching = event.strategy !== 'relay-only';
    else if (event.type === 'punch-failed' || (event.type === 'path' && event.path === 'direct')) this.punching = false;
    else return false;
    return this.release();
  }

  /** At session open: true to start now, false to hold (until `observe` or the deadline says so). */
  startNow(now: Millis, path: 'direct' | 'relay'): boolean {
    if (this.await_ms === 0 || path === 'direct' || !this.punching) return true;
    this.until = now + this.await_ms;
    return false;
  }

  get held(): boolean {
    return this.until !== undefined;
  }

  deadline(): Millis | undefined {
    return this.until;
  }

  /** True when the hold's bound has passed (start the transfer now). */
  expired(now: Millis): boolean {
    if (this.until === undefined || now < this.until) return false;
    this.until = undefined;
    return true;
  }

  private release(): boolean {
    if (this.until === undefined || this.punching) return false;
    this.until = undefined;
    return true;
  }
}
