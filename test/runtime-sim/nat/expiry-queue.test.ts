// ExpiryQueue: a min-heap that pops by (deadline, insertion order), checked against a sort.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ExpiryQueue } from '../../../runtime-sim/nat/expiry-queue.ts';

describe('ExpiryQueue', () => {
  it('is empty at first', () => {
    const q = new ExpiryQueue<string>();
    expect(q.size).toBe(0);
    expect(q.peekDeadline()).toBe(Infinity);
    expect(q.pop()).toBeUndefined();
  });

  test.prop([fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(-1)), { maxLength: 300 })])(
    'interleaved pushes and pops come out in (deadline, insertion) order',
    (ops) => {
      const q = new ExpiryQueue<number>();
      const model: Array<{ deadline: number; id: number }> = [];
      let id = 0;
      for (const op of ops) {
        if (op >= 0) {
          q.push(id, op);
          model.push({ deadline: op, id: id++ });
        } else {
          model.sort((x, y) => x.deadline - y.deadline || x.id - y.id);
          const want = model.shift();
          expect(q.peekDeadline()).toBe(want?.deadline ?? Infinity);
          expect(q.pop()).toBe(want?.id);
        }
        expect(q.size).toBe(model.length);
      }
    },
  );
});
