// Idle-time compression: maps trace time (ms) to display units and back, so a 30 s
// keepalive pause does not push the next handshake off screen (qvis shortens inactivity the
// same way). `TimeScale.local` decides what is idle time-locally: a gap is idle only when
// nothing is on the wire across it and no fault is running, it is at least IDLE_MIN_MS long,
// and it is IDLE_LOCAL_FACTOR times longer than the rhythm of the events on each side of it.
// So a handshake's 3-20 ms gaps keep their length whatever the bulk phase does, a partition
// keeps its real length, and an arrow never crosses a compressed gap (equal latencies, equal
// slopes). The map is piecewise linear over a few knots, monotonic and invertible.

/** A gap counts as idle when it is this many times the median gap. */
export const IDLE_GAP_MEDIANS = 20;
/** ... and this many times the 75th percentile gap. */
export const IDLE_GAP_P75S = 4;

/** No gap shorter than this is ever compressed (a handshake's RTTs stay as they are). */
export const IDLE_MIN_MS = 100;
/** A gap is idle when it is this many times the neighbours' rhythm on both sides... */
export const IDLE_LOCAL_FACTOR = 20;
/** ... the rhythm being the 25th percentile of this many gaps on each side. */
export const IDLE_NEIGHBOURS = 16;

export interface IdleGap {
  readonly from_ms: number;
  readonly to_ms: number;
}

/** A span of time that is never compressed (a datagram in flight, a fault running). */
export interface BusySpan {
  readonly from_ms: number;
  readonly to_ms: number;
}

/** The 25th percentile of times[i] - times[i-1] for i in [lo, hi) (clamped), or 0. */
function localRhythm(times: ArrayLike<number>, lo: number, hi: number): number {
  const gaps: number[] = [];
  for (let i = Math.max(1, lo); i < Math.min(times.length, hi); i++) gaps.push(times[i]! - times[i - 1]!);
  if (gaps.length === 0) return 0;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 4)]!;
}

/** Display length of an idle gap of `gap_ms` whose threshold was `keep_ms`: it grows with
 * the log of the gap, so a longer pause still looks longer, and never exceeds the gap. */
export function idleLength(gap_ms: number, keep_ms: number): number {
  return Math.min(gap_ms, keep_ms * (1 + Math.log10(gap_ms / keep_ms)));
}

export class TimeScale {
  /** knot times (ms), strictly increasing */
  private readonly knotT: Float64Array;
  /** knot display units, strictly increasing */
  private readonly knotU: Float64Array;
  readonly gaps: readonly IdleGap[];

  private constructor(knotT: number[], knotU: number[], gaps: IdleGap[]) {
    this.knotT = Float64Array.from(knotT);
    this.knotU = Float64Array.from(knotU);
    this.gaps = gaps;
  }

  /** No compression: display unit = ms, over [t_min, t_max]. */
  static linear(t_min: number, t_max: number): TimeScale {
    const end = t_max > t_min ? t_max : t_min + 1;
    return new TimeScale([t_min, end], [0, end - t_min], []);
  }

  /**
   * Time-local compression over the distinct event `times` (ascending): a gap between two
   * consecutive times is idle when no `busy` span covers it (datagrams in flight, faults),
   * it is at least IDLE_MIN_MS, and it is IDLE_LOCAL_FACTOR times the rhythm of the
   * IDLE_NEIGHBOURS gaps on each side (the larger of the two). An idle gap is drawn
   * `idleLength` long; everything else is linear, 1 ms to 1 display unit.
   */
  static local(times: ArrayLike<number>, busy: readonly BusySpan[]): TimeScale {
    const n = times.length;
    if (n === 0) return TimeScale.linear(0, 1);
    const t_min = times[0]!;
    const t_max = times[n - 1]!;
    if (t_max <= t_min) return TimeScale.linear(t_min, t_max);
    // busy spans merged and sorted, walked alongside the gaps
    const spans = [...busy].filter((b) => b.to_ms > b.from_ms).sort((a, b) => a.from_ms - b.from_ms);
    const merged: BusySpan[] = [];
    for (const b of spans) {
      const last = merged[merged.length - 1];
      if (last !== undefined && b.from_ms <= last.to_ms) merged[merged.length - 1] = { from_ms: last.from_ms, to_ms: Math.max(last.to_ms, b.to_ms) };
      else merged.push(b);
    }
    const knotT = [t_min];
    const knotU = [0];
    const gaps: IdleGap[] = [];
    let u = 0;
    let lastT = t_min;
    let span = 0;
    for (let i = 1; i < n; i++) {
      const a = times[i - 1]!;
      const b = times[i]!;
      const gap = b - a;
      if (gap < IDLE_MIN_MS) continue;
      while (span < merged.length && merged[span]!.to_ms <= a) span++;
      // a busy span overlapping (a, b) keeps the gap linear
      if (span < merged.length && merged[span]!.from_ms < b) continue;
      const rhythm = Math.max(localRhythm(times, i - IDLE_NEIGHBOURS, i), localRhythm(times, i + 1, i + 1 + IDLE_NEIGHBOURS));
      const keep = Math.max(IDLE_MIN_MS, IDLE_LOCAL_FACTOR * rhythm);
      if (gap <= keep) continue;
      if (a > lastT) {
        u += a - lastT;
        knotT.push(a);
        knotU.push(u);
      }
      u += idleLength(gap, keep);
      knotT.push(b);
      knotU.push(u);
      lastT = b;
      gaps.push({ from_ms: a, to_ms: b });
    }
    if (t_max > lastT) {
      knotT.push(t_max);
      knotU.push(u + (t_max - lastT));
    }
    return new TimeScale(knotT, knotU, gaps);
  }

  /**
   * Compresses every gap between consecutive `times` (sorted ascending) longer than
   * `gap_ms_max` down to `gap_ms_max` display units.
   */
  static compressed(times: ArrayLike<number>, gap_ms_max: number): TimeScale {
    const n = times.length;
    if (n === 0) return TimeScale.linear(0, 1);
    const t_min = times[0]!;
    const t_max = times[n - 1]!;
    if (!(gap_ms_max > 0) || t_max <= t_min) return TimeScale.linear(t_min, t_max);
    const knotT = [t_min];
    const knotU = [0];
    const gaps: IdleGap[] = [];
    let u = 0;
    let lastT = t_min;
    for (let i = 1; i < n; i++) {
      const t = times[i]!;
      const gap = t - times[i - 1]!;
      if (gap > gap_ms_max) {
        const a = times[i - 1]!;
        // knot at the start of the gap (after the linear run), then at its end
        if (a > lastT) {
          u += a - lastT;
          knotT.push(a);
          knotU.push(u);
        }
        u += gap_ms_max;
        knotT.push(t);
        knotU.push(u);
        lastT = t;
        gaps.push({ from_ms: a, to_ms: t });
      }
    }
    if (t_max > lastT) {
      knotT.push(t_max);
      knotU.push(u + (t_max - lastT));
    }
    return new TimeScale(knotT, knotU, gaps);
  }

  /**
   * A gap threshold that suits the trace: 20x the median gap between distinct times and 4x
   * the 75th percentile, so only real pauses (timeouts, keepalive waits) shrink, not the
   * ordinary rhythm of a protocol (a ping every 50 ms stays as it is).
   */
  static autoGap(times: ArrayLike<number>): number {
    const gaps: number[] = [];
    // sample at most ~20k gaps so this stays fast on large traces
    const step = Math.max(1, Math.floor(times.length / 20_000));
    for (let i = step; i < times.length; i += step) {
      const g = times[i]! - times[i - step]!;
      if (g > 0) gaps.push(g / step);
    }
    if (gaps.length === 0) return 1;
    gaps.sort((a, b) => a - b);
    const median = gaps[Math.floor(gaps.length / 2)]!;
    const p75 = gaps[Math.floor(gaps.length * 0.75)]!;
    return Math.max(1, median * IDLE_GAP_MEDIANS, p75 * IDLE_GAP_P75S);
  }

  get t_min(): number {
    return this.knotT[0]!;
  }
  get t_max(): number {
    return this.knotT[this.knotT.length - 1]!;
  }
  get u_max(): number {
    return this.knotU[this.knotU.length - 1]!;
  }

  /** Index of the last knot <= value in `knots` (clamped to a valid segment start). */
  private static segment(knots: Float64Array, value: number): number {
    let lo = 0;
    let hi = knots.length - 2;
    if (hi < 0) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (knots[mid]! <= value) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Display units for a time; linear extrapolation outside the trace. */
  toU(t: number): number {
    const i = TimeScale.segment(this.knotT, t);
    const t0 = this.knotT[i]!;
    const t1 = this.knotT[i + 1] ?? t0 + 1;
    const u0 = this.knotU[i]!;
    const u1 = this.knotU[i + 1] ?? u0 + 1;
    if (t < this.t_min) return t - this.t_min;
    if (t > this.t_max) return this.u_max + (t - this.t_max);
    return u0 + ((t - t0) * (u1 - u0)) / (t1 - t0);
  }

  /** Time for display units; inverse of toU. */
  toT(u: number): number {
    if (u < 0) return this.t_min + u;
    if (u > this.u_max) return this.t_max + (u - this.u_max);
    const i = TimeScale.segment(this.knotU, u);
    const u0 = this.knotU[i]!;
    const u1 = this.knotU[i + 1] ?? u0 + 1;
    const t0 = this.knotT[i]!;
    const t1 = this.knotT[i + 1] ?? t0 + 1;
    return t0 + ((u - u0) * (t1 - t0)) / (u1 - u0);
  }
}
