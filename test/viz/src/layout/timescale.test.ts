// Tests for idle-time compression: long gaps shrink to the threshold, short ones stay,
// and the map is monotonic and inverts exactly.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { TimeScale } from '../../../../viz/src/layout/timescale.ts';

describe('TimeScale', () => {
  it('shrinks gaps longer than the threshold only', () => {
    const s = TimeScale.compressed([0, 1, 2, 1002, 1003], 10);
    expect(s.toU(2)).toBe(2);
    expect(s.toU(1002)).toBe(12);
    expect(s.toU(1003)).toBe(13);
    expect(s.toU(502)).toBeCloseTo(7);
    expect(s.gaps).toEqual([{ from_ms: 2, to_ms: 1002 }]);
    expect(s.u_max).toBe(13);
  });

  it('is the identity shifted by t_min when linear', () => {
    const s = TimeScale.linear(5, 25);
    expect(s.toU(15)).toBe(10);
    expect(s.toT(10)).toBe(15);
  });

  it('picks an auto threshold from the median gap', () => {
    expect(TimeScale.autoGap([0, 1, 2, 3, 4, 1000])).toBe(20);
  });

  test.prop([fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }), fc.double({ min: 0.01, max: 1000, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })])(
    'is monotonic and invertible',
    (raw, gap, frac) => {
      const times = [...raw].sort((a, b) => a - b);
      const s = TimeScale.compressed(times, gap);
      const t = s.t_min + (s.t_max - s.t_min) * frac;
      const u = s.toU(t);
      expect(Math.abs(s.toT(u) - t)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(t)));
      for (let i = 1; i < times.length; i++) expect(s.toU(times[i]!)).toBeGreaterThanOrEqual(s.toU(times[i - 1]!));
      expect(s.u_max).toBeLessThanOrEqual(s.t_max - s.t_min + 1e-6 + (s.t_max === s.t_min ? 1 : 0));
    },
  );
});

describe('TimeScale.autoGap', () => {
  it('keeps a protocol rhythm and shrinks only the long pause', () => {
    // a ping every 50 ms (send, reply 20 ms later, timer), then a 1.8 s wait, then more pings
    const times: number[] = [];
    for (let i = 0; i < 10; i++) times.push(i * 50, i * 50 + 1, i * 50 + 21);
    for (let i = 0; i < 5; i++) times.push(2300 + i * 50, 2301 + i * 50, 2321 + i * 50);
    const gap = TimeScale.autoGap(times);
    expect(gap).toBeGreaterThan(50);
    expect(gap).toBeLessThan(1800);
    expect(TimeScale.compressed(times, gap).gaps).toHaveLength(1);
  });
});
