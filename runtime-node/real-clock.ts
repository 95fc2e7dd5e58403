// Wall-clock time for real runs: milliseconds since a fixed start, from the monotonic clock,
// shared by every driver writing into one trace so their `t` values line up.
import { performance } from 'node:perf_hooks';
import type { Millis } from '../protocol/core/time.ts';

/** Wall-clock time since a fixed start, shared by every driver writing into one trace. */
export class RealClock {
  private readonly origin_ms = performance.now();
  /**
   * The wall-clock instant of `t = 0`, from the same monotonic reading as `origin_ms`. Two
   * separate reads (new Date(), then performance.now()) can be milliseconds apart when the
   * process is descheduled between them, and two traces' `started` then disagree with their
   * `t` by that much (seen: 5.5 ms, on a loaded machine, in the viewer's merge check).
   */
  readonly started = new Date(performance.timeOrigin + this.origin_ms);
  now(): Millis {
    return performance.now() - this.origin_ms;
  }
}
