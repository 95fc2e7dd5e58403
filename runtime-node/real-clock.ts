// Wall-clock time for real runs: milliseconds since a fixed start, from the monotonic clock,
// shared by every driver writing into one trace so their `t` values line up.
import { performance } from 'node:perf_hooks';
import type { Millis } from '../protocol/core/time.ts';

/** Wall-clock time since a fixed start, shared by every driver writing into one trace. */
export class RealClock {
  readonly started = new Date();
  private readonly origin_ms = performance.now();
  now(): Millis {
    return performance.now() - this.origin_ms;
  }
}
