// Tests for what idle compression may never shrink (issue 14 defect 4): every datagram's
// flight, merged, and every fault period.
import { describe, expect, it } from 'vitest';
import { busySpans } from '../../../../viz/src/layout/idle.ts';
import type { TraceModel } from '../../../../viz/src/model/model.ts';

const model = (flights: [number, number][], faults: [number, number][] = []): TraceModel =>
  ({ datagrams: flights.map(([t0, t1]) => ({ t0, t1 })), faults: faults.map(([from_ms, to_ms]) => ({ from_ms, to_ms })) }) as unknown as TraceModel;

describe('busySpans', () => {
  it('merges overlapping flights (sorted by send time) and keeps disjoint ones apart', () => {
    expect(busySpans(model([[0, 10], [5, 20], [20, 25], [30, 40], [31, 32]]))).toEqual([
      { from_ms: 0, to_ms: 25 },
      { from_ms: 30, to_ms: 40 },
    ]);
  });
  it('skips instant datagrams and adds fault periods as they are', () => {
    expect(busySpans(model([[0, 0], [1, 3]], [[100, 5100]]))).toEqual([
      { from_ms: 1, to_ms: 3 },
      { from_ms: 100, to_ms: 5100 },
    ]);
  });
});
