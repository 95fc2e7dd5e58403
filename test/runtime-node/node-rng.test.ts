// The CSPRNG-backed Rng honours the Rng contract's ranges.
import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { NodeRng } from '../../runtime-node/node-rng.ts';

const rng = new NodeRng();

test.prop([fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 1e9 })])('nextInt stays in range', (min, span) => {
  const value = rng.nextInt(min, min + span);
  expect(Number.isInteger(value)).toBe(true);
  expect(value).toBeGreaterThanOrEqual(min);
  expect(value).toBeLessThanOrEqual(min + span);
});

test.prop([fc.integer({ min: 0, max: 10_000 })])('nextBytes returns the count asked for', (count) => {
  expect(rng.nextBytes(count).byteLength).toBe(count);
});

test('floats are in [0,1) and bytes are not constant', () => {
  for (let i = 0; i < 1000; i++) {
    const f = rng.nextFloat();
    expect(f).toBeGreaterThanOrEqual(0);
    expect(f).toBeLessThan(1);
  }
  const a = rng.nextBytes(32);
  const b = rng.nextBytes(32);
  expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
});
