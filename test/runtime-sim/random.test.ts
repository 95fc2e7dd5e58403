// The seeded stream: same seed, same draws; forks are reproducible and independent.
import { describe, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { rootRng } from '../../runtime-sim/random.ts';

describe('SimRng', () => {
  test.prop([fc.integer()])('the same seed gives the same draws, forks included', (seed) => {
    const a = rootRng(seed);
    const b = rootRng(seed);
    const fa = a.fork('x');
    const fb = b.fork('x');
    for (let i = 0; i < 20; i++) {
      expect(a.nextFloat()).toBe(b.nextFloat());
      expect(fa.nextUint32()).toBe(fb.nextUint32());
    }
    expect(a.nextBytes(7)).toEqual(b.nextBytes(7));
  });

  test('different seeds and successive forks differ', () => {
    const r = rootRng(1);
    const first = r.fork();
    const second = r.fork();
    expect(first.nextUint32()).not.toBe(second.nextUint32());
    expect(rootRng(1).nextUint32()).not.toBe(rootRng(2).nextUint32());
  });

  test.prop([fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 1000 })])('nextInt stays in [min, max]', (min, span) => {
    const r = rootRng(`${min}/${span}`);
    for (let i = 0; i < 50; i++) {
      const v = r.nextInt(min, min + span);
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(min);
      expect(v).toBeLessThanOrEqual(min + span);
    }
  });

  test('floats are uniform enough and uint32s use the whole range', () => {
    const r = rootRng(9);
    let sum = 0;
    let high = 0;
    for (let i = 0; i < 20_000; i++) {
      sum += r.nextFloat();
      if (r.nextUint32() >= 0x8000_0000) high++;
    }
    expect(sum / 20_000).toBeCloseTo(0.5, 1);
    expect(high / 20_000).toBeCloseTo(0.5, 1);
    expect(() => r.nextInt(2, 1)).toThrow(RangeError);
  });
});
