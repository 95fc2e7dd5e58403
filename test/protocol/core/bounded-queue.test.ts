// BoundedQueue: FIFO order, a hard capacity, and the overflow policy its type names: a
// drop-newest queue refuses new items when full, a drop-oldest queue evicts the oldest; both
// count the loss. A model-based property checks both against a plain array.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { BoundedQueue, type OverflowPolicy } from '../../../protocol/core/bounded-queue.ts';

describe('BoundedQueue', () => {
  it('drop-newest refuses items past capacity and keeps the first ones', () => {
    const q = BoundedQueue.dropNewest<number>(2);
    q.push(1);
    q.push(2);
    q.push(3);
    expect(q.overflow).toBe('drop-newest');
    expect(q.dropped).toBe(1);
    expect([q.shift(), q.shift(), q.shift()]).toEqual([1, 2, undefined]);
  });

  it('drop-oldest evicts the oldest to take the newest', () => {
    const q = BoundedQueue.dropOldest<number>(2);
    q.push(1);
    q.push(2);
    q.push(3);
    expect(q.dropped).toBe(1);
    expect(q.peek()).toBe(2);
    expect([q.shift(), q.shift(), q.shift()]).toEqual([2, 3, undefined]);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => BoundedQueue.dropNewest(0)).toThrow(RangeError);
    expect(() => new BoundedQueue(1.5, 'drop-oldest')).toThrow(RangeError);
  });

  test.prop([
    fc.constantFrom<OverflowPolicy>('drop-newest', 'drop-oldest'),
    fc.integer({ min: 1, max: 8 }),
    fc.array(fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constant<'shift'>('shift')), { maxLength: 500 }),
  ])('matches a plain-array model under any mix of push and shift', (policy, capacity, ops) => {
    const q = new BoundedQueue<number>(capacity, policy);
    const model: number[] = [];
    let dropped = 0;
    for (const op of ops) {
      if (op === 'shift') {
        expect(q.shift()).toBe(model.shift());
      } else {
        q.push(op);
        if (model.length < capacity) model.push(op);
        else {
          dropped++;
          if (policy === 'drop-oldest') {
            model.shift();
            model.push(op);
          }
        }
      }
      expect(q.length).toBe(model.length);
      expect(q.length).toBeLessThanOrEqual(capacity);
      expect(q.peek()).toBe(model[0]);
    }
    expect(q.dropped).toBe(dropped);
  });
});
