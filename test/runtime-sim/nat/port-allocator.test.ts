// PortAllocator: preserve / sequential / random within [min_port, max_port], the fallback on
// a taken port, exhaustion, and properties over random sets of taken ports.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import type { PortAssignment } from '../../../runtime-sim/nat/config.ts';
import { PortAllocator } from '../../../runtime-sim/nat/port-allocator.ts';
import { testRng } from './helpers.ts';

const freeExcept = (taken: Iterable<number>) => {
  const set = new Set(taken);
  return (port: number): boolean => !set.has(port);
};

describe('PortAllocator', () => {
  it('preserve keeps the preferred port when free and in range', () => {
    const ports = new PortAllocator({ kind: 'preserve', min_port: 1024, max_port: 65535 }, testRng(1));
    expect(ports.allocate(0, 5000, freeExcept([]))).toBe(5000);
  });

  it('preserve falls back to sequential by default, random when asked', () => {
    const seq = new PortAllocator({ kind: 'preserve', min_port: 100, max_port: 200 }, testRng(1));
    expect(seq.allocate(0, 150, freeExcept([150]))).toBe(100);
    expect(seq.allocate(0, 150, freeExcept([150, 100]))).toBe(101);
    expect(seq.allocate(0, 50, freeExcept([]))).toBe(102); // 50 is out of range
    const rnd = new PortAllocator({ kind: 'preserve', min_port: 100, max_port: 60_000, fallback: 'random' }, testRng(1));
    const picks = new Set(Array.from({ length: 20 }, () => rnd.allocate(0, 150, freeExcept([150]))));
    expect(picks.size).toBeGreaterThan(15);
  });

  it('sequential keeps one cursor per external IP and wraps around the range', () => {
    const ports = new PortAllocator({ kind: 'sequential', min_port: 10, max_port: 12 }, testRng(1));
    const none = freeExcept([]);
    expect([ports.allocate(0, 0, none), ports.allocate(0, 0, none), ports.allocate(1, 0, none)]).toEqual([10, 11, 10]);
    expect(ports.allocate(0, 0, none)).toBe(12);
    expect(ports.allocate(0, 0, none)).toBe(10); // wrapped
    expect(ports.allocate(0, 0, freeExcept([10, 11]))).toBe(12);
  });

  it('allocateOther uses the fallback strategy, never the preferred port', () => {
    const ports = new PortAllocator({ kind: 'preserve', min_port: 5000, max_port: 5002 }, testRng(1));
    expect(ports.allocateOther(0, freeExcept([]))).toBe(5000);
    expect(ports.allocateOther(0, freeExcept([5001]))).toBe(5002);
  });

  it('returns undefined when the range is exhausted', () => {
    for (const kind of ['preserve', 'sequential', 'random'] as const) {
      const ports = new PortAllocator({ kind, min_port: 7, max_port: 9 }, testRng(1));
      expect(ports.allocate(0, 8, freeExcept([7, 8, 9]))).toBeUndefined();
    }
  });

  const assignment = fc
    .record({
      kind: fc.constantFrom('preserve', 'sequential', 'random' as const),
      fallback: fc.constantFrom('sequential', 'random' as const),
      min_port: fc.integer({ min: 1, max: 65_535 }),
      width: fc.integer({ min: 0, max: 40 }),
    })
    .map((r): PortAssignment => ({ kind: r.kind, fallback: r.fallback, min_port: r.min_port, max_port: Math.min(65_535, r.min_port + r.width) }));

  test.prop([assignment, fc.array(fc.integer({ min: 0, max: 45 })), fc.integer({ min: 0, max: 45 }), fc.integer()])(
    'a result is a free port in range; undefined only when every port is taken',
    (config, takenOffsets, preferredOffset, seed) => {
      const ports = new PortAllocator(config, testRng(seed));
      const taken = new Set(takenOffsets.map((o) => config.min_port + o));
      const port = ports.allocate(0, config.min_port + preferredOffset, freeExcept(taken));
      let freeInRange = 0;
      for (let p = config.min_port; p <= config.max_port; p++) if (!taken.has(p)) freeInRange++;
      if (port === undefined) expect(freeInRange).toBe(0);
      else {
        expect(port).toBeGreaterThanOrEqual(config.min_port);
        expect(port).toBeLessThanOrEqual(config.max_port);
        expect(taken.has(port)).toBe(false);
        const preferred = config.min_port + preferredOffset;
        if (config.kind === 'preserve' && preferred <= config.max_port && !taken.has(preferred)) expect(port).toBe(preferred);
      }
    },
  );

  test.prop([assignment, fc.integer()])('allocating until exhaustion hands out every port exactly once', (config, seed) => {
    const ports = new PortAllocator(config, testRng(seed));
    const taken = new Set<number>();
    const isFree = (p: number): boolean => !taken.has(p);
    for (;;) {
      const port = ports.allocate(0, config.min_port, isFree);
      if (port === undefined) break;
      expect(taken.has(port)).toBe(false);
      taken.add(port);
    }
    expect(taken.size).toBe(config.max_port - config.min_port + 1);
  });
});
