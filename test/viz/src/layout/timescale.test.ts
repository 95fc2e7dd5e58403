// Tests for idle-time compression: long gaps shrink to the threshold, short ones stay,
// and the map is monotonic and inverts exactly.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { IDLE_MIN_MS, TimeScale, idleLength } from '../../../../viz/src/layout/timescale.ts';

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

describe('TimeScale.local (time-local idle compression, issue 14 defect 4)', () => {
  /** A handshake (gaps 3..20 ms), a dense bulk phase (0.05 ms), a 30 s pause, a last exchange. */
  const trace = (): { times: number[]; busy: { from_ms: number; to_ms: number }[] } => {
    const times: number[] = [];
    const busy: { from_ms: number; to_ms: number }[] = [];
    let t = 0;
    for (const gap of [3, 20, 7, 12, 3, 20, 9, 15]) {
      busy.push({ from_ms: t, to_ms: t + 10 });
      times.push(t, t + 10);
      t += 10 + gap;
    }
    for (let i = 0; i < 20_000; i++) times.push(t + i * 0.05);
    t += 20_000 * 0.05;
    times.push(t + 30_000, t + 30_010);
    busy.push({ from_ms: t + 30_000, to_ms: t + 30_010 });
    return { times: [...new Set(times)].sort((a, b) => a - b), busy };
  };

  it('keeps a handshake linear beside a dense bulk phase and shrinks only the long pause', () => {
    const { times, busy } = trace();
    const s = TimeScale.local(times, busy);
    // the handshake and the bulk phase are untouched: 1 ms = 1 unit up to the pause
    for (const t of [0, 10, 13, 100, 200, 1000]) expect(s.toU(t)).toBeCloseTo(t, 9);
    expect(s.gaps).toHaveLength(1);
    const pause = s.toU(times[times.length - 2]!) - s.toU(times[times.length - 3]!);
    expect(pause).toBeLessThan(1000);
    expect(pause).toBeGreaterThan(IDLE_MIN_MS);
    // the global threshold of old would squeeze the handshake's 20 ms gaps
    const global = TimeScale.compressed(times, TimeScale.autoGap(times));
    expect(global.toU(33) - global.toU(30)).toBeLessThan(3);
    expect(global.toU(63) - global.toU(43)).toBeLessThan(20);
  });

  it('never compresses a busy span (a datagram in flight, a fault): a 5 s partition keeps its length', () => {
    const times = [0, 1, 2, 3, 5000, 5001, 5002, 60_000, 60_001];
    const s = TimeScale.local(times, [{ from_ms: 3, to_ms: 5000 }]);
    expect(s.toU(5000) - s.toU(3)).toBeCloseTo(4997, 9);
    expect(s.gaps).toEqual([{ from_ms: 5002, to_ms: 60_000 }]);
  });

  it('a longer idle gap still draws longer, and never longer than it was', () => {
    for (const keep of [100, 250]) {
      let last = 0;
      for (const gap of [keep * 1.01, keep * 3, keep * 30, keep * 3000]) {
        const u = idleLength(gap, keep);
        expect(u).toBeGreaterThan(last);
        expect(u).toBeLessThanOrEqual(gap);
        last = u;
      }
    }
  });

  test.prop([fc.array(fc.tuple(fc.double({ min: 0, max: 1e5, noNaN: true }), fc.double({ min: 0, max: 500, noNaN: true })), { minLength: 1, maxLength: 40 })])(
    'maps every busy span linearly (equal latencies, equal slopes) and stays monotonic',
    (flights) => {
      const busy = flights.map(([from, len]) => ({ from_ms: from, to_ms: from + len }));
      const times = [...new Set(busy.flatMap((b) => [b.from_ms, b.to_ms]))].sort((a, b) => a - b);
      const s = TimeScale.local(times, busy);
      for (const b of busy) expect(s.toU(b.to_ms) - s.toU(b.from_ms)).toBeCloseTo(b.to_ms - b.from_ms, 6);
      for (let i = 1; i < times.length; i++) expect(s.toU(times[i]!)).toBeGreaterThan(s.toU(times[i - 1]!) - 1e-9);
      for (const g of s.gaps) expect(g.to_ms - g.from_ms).toBeGreaterThanOrEqual(IDLE_MIN_MS);
    },
  );
});
