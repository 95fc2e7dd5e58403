// The event queue: pops in (time, insertion) order whether entries sit in the heap or in a
// fixed-delay lane, and reschedules and cancels keep that order.
import { describe, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { EventQueue, QueueFullError } from '../../runtime-sim/queue.ts';

type Op = { kind: 'at'; time: number } | { kind: 'in'; delay: number } | { kind: 'pop' } | { kind: 'move'; pick: number; time: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('at' as const), time: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ kind: fc.constant('in' as const), delay: fc.constantFrom(0, 1, 2.5, 7) }),
  fc.record({ kind: fc.constant('pop' as const) }),
  fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), time: fc.integer({ min: 0, max: 50 }) }),
);

describe('EventQueue', () => {
  test.prop([fc.array(opArb, { maxLength: 300 })])('pops in (time, insertion) order, lanes and heap alike', (ops) => {
    const q = new EventQueue();
    // The model: entries with (time, seq); seq grows with every (re)schedule.
    const model = new Map<number, { time: number; seq: number }>();
    const lanesSlots = new Set<number>();
    let seq = 0;
    let now = 0;
    const popAndCheck = (): void => {
      let best: [number, { time: number; seq: number }] | undefined;
      for (const entry of model) if (!best || entry[1].time < best[1].time || (entry[1].time === best[1].time && entry[1].seq < best[1].seq)) best = entry;
      const slot = q.pop();
      if (!best) {
        expect(slot).toBe(-1);
        return;
      }
      expect(slot).toBe(best[0]);
      expect(q.poppedTime).toBe(best[1].time);
      now = best[1].time;
      model.delete(slot);
      lanesSlots.delete(slot);
      q.free(slot);
    };
    for (const op of ops) {
      if (op.kind === 'pop') popAndCheck();
      else if (op.kind === 'at') {
        const slot = q.alloc();
        const time = Math.max(now, op.time);
        q.schedule(slot, time);
        model.set(slot, { time, seq: seq++ });
      } else if (op.kind === 'in') {
        const slot = q.alloc();
        q.scheduleIn(slot, now, op.delay);
        model.set(slot, { time: now + op.delay, seq: seq++ });
        lanesSlots.add(slot);
      } else {
        const movable = [...model.keys()].filter((s) => !lanesSlots.has(s));
        if (movable.length === 0) continue;
        const slot = movable[op.pick % movable.length]!;
        const time = Math.max(now, op.time);
        q.schedule(slot, time);
        model.set(slot, { time, seq: seq++ });
      }
      expect(q.size).toBe(model.size);
    }
    while (model.size > 0) popAndCheck();
    expect(q.size).toBe(0);
    expect(q.pop()).toBe(-1);
  });

  test.prop([fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 500 })])('cancel removes exactly the cancelled entry', (times) => {
    const q = new EventQueue();
    const slots = times.map((t) => {
      const s = q.alloc();
      q.schedule(s, t);
      return s;
    });
    const cancelled = new Set(slots.filter((_, i) => i % 3 === 0));
    for (const s of cancelled) q.cancel(s);
    const popped: number[] = [];
    for (let s = q.pop(); s >= 0; s = q.pop()) popped.push(s);
    expect(new Set(popped)).toEqual(new Set(slots.filter((s) => !cancelled.has(s))));
    const poppedTimes = popped.map((s) => times[slots.indexOf(s)]!);
    expect(poppedTimes).toEqual([...poppedTimes].sort((a, b) => a - b));
  });

  test('ties at one time pop in insertion order across heap and lanes', () => {
    const q = new EventQueue();
    const a = q.alloc();
    const b = q.alloc();
    const c = q.alloc();
    q.scheduleIn(a, 0, 5);
    q.schedule(b, 5);
    q.scheduleIn(c, 3, 2);
    expect([q.pop(), q.pop(), q.pop()]).toEqual([a, b, c]);
  });

  test('a slot waiting in a lane cannot be rescheduled or freed', () => {
    const q = new EventQueue();
    const a = q.alloc();
    q.scheduleIn(a, 0, 1);
    expect(q.isQueued(a)).toBe(true);
    expect(() => q.schedule(a, 3)).toThrow(RangeError);
    expect(() => q.free(a)).toThrow(RangeError);
  });

  test('grows past its initial size and stops at slots_max', () => {
    const q = new EventQueue(3000);
    for (let i = 0; i < 2999; i++) q.schedule(q.alloc(), 3000 - i);
    expect(q.size).toBe(2999);
    expect(q.peekTime()).toBe(2);
    expect(() => {
      q.alloc();
      q.alloc();
    }).toThrow(QueueFullError);
  });
});
