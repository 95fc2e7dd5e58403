// The cached earliest deadline always equals a fresh scan of the table, whatever sequence of
// set / setEarlier / clear / expire ran (model: core TimerTable without a cache).
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { TimerTable } from '../../../protocol/core/timers.ts';
import { Deadlines } from '../../../protocol/chord/deadlines.ts';

type Name = 'a' | 'b' | 'c';
const name = fc.constantFrom<Name>('a', 'b', 'c');
const op = fc.oneof(
  fc.tuple(fc.constant('set' as const), name, fc.integer({ min: 0, max: 100 })),
  fc.tuple(fc.constant('setEarlier' as const), name, fc.integer({ min: 0, max: 100 })),
  fc.tuple(fc.constant('clear' as const), name, fc.constant(0)),
  fc.tuple(fc.constant('expire' as const), name, fc.integer({ min: 0, max: 100 })),
  fc.tuple(fc.constant('earliest' as const), name, fc.constant(0)),
);

describe('chord deadlines', () => {
  it.prop([fc.array(op, { maxLength: 60 })])('earliest() matches an uncached table after any sequence', (ops) => {
    const cached = new Deadlines<Name>();
    const plain = new TimerTable<Name>();
    for (const [kind, n, at] of ops) {
      if (kind === 'set') (cached.set(n, at), plain.set(n, at));
      else if (kind === 'setEarlier') (cached.setEarlier(n, at), plain.setEarlier(n, at));
      else if (kind === 'clear') (cached.clear(n), plain.clear(n));
      else if (kind === 'expire') expect(cached.expire(at)).toEqual(plain.expire(at));
      expect(cached.earliest()).toBe(plain.earliest());
    }
  });
});
