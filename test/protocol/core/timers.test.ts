// TimerTable: earliest deadline wins; expiry pops due timers in deadline order.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { TimerTable } from '../../../protocol/core/timers.ts';

describe('TimerTable', () => {
  it('reports the earliest and expires in deadline order', () => {
    const timers = new TimerTable<'a' | 'b' | 'c'>();
    expect(timers.earliest()).toBeUndefined();
    timers.set('a', 30);
    timers.set('b', 10);
    timers.set('c', 20);
    expect(timers.earliest()).toBe(10);
    expect(timers.expire(25)).toEqual(['b', 'c']);
    expect(timers.earliest()).toBe(30);
    timers.setEarlier('a', 40);
    expect(timers.get('a')).toBe(30);
    timers.setEarlier('a', 5);
    expect(timers.get('a')).toBe(5);
    timers.clear('a');
    expect(timers.earliest()).toBeUndefined();
  });

  test.prop([fc.array(fc.tuple(fc.constantFrom('x', 'y', 'z', 'w'), fc.double({ min: 0, max: 1e6, noNaN: true })), { maxLength: 40 }), fc.double({ min: 0, max: 1e6, noNaN: true })])(
    'expire returns exactly the due timers, sorted, and leaves the rest',
    (sets, now) => {
      const timers = new TimerTable<string>();
      const model = new Map<string, number>();
      for (const [name, at] of sets) {
        timers.set(name, at);
        model.set(name, at);
      }
      const due = [...model].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
      const fired = timers.expire(now);
      expect(fired.map((name) => model.get(name))).toEqual(due.map(([, at]) => at));
      expect(new Set(fired)).toEqual(new Set(due.map(([name]) => name)));
      const rest = [...model].filter(([, at]) => at > now).map(([, at]) => at);
      expect(timers.earliest()).toBe(rest.length ? Math.min(...rest) : undefined);
    },
  );

  test.prop([fc.array(fc.tuple(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e4, noNaN: true })), { minLength: 1, maxLength: 20 })])(
    'deadlines stored as sent + delay fire at exactly earliest(), leaving the next one later',
    (arms) => {
      // The livelock shape: arm at a float sum, wake at exactly that sum. One expression decides.
      const timers = new TimerTable<string>();
      arms.forEach(([sent, delay], i) => timers.set(`t${i}`, sent + delay));
      for (let guard = 0; guard <= arms.length; guard++) {
        const now = timers.earliest();
        if (now === undefined) return;
        expect(timers.expire(now).length).toBeGreaterThan(0);
        const next = timers.earliest();
        if (next !== undefined) expect(next).toBeGreaterThan(now);
      }
      expect(timers.earliest()).toBeUndefined();
    },
  );

  // The earliest deadline is cached (drivers ask after every datagram): after any sequence of
  // set / setEarlier / clear / expire it must equal a fresh scan of a plain map, and expire()
  // must return what the map says is due, earliest first.
  type Op = readonly ['set' | 'setEarlier' | 'clear' | 'expire' | 'earliest', 'a' | 'b' | 'c', number];
  const name = fc.constantFrom<'a' | 'b' | 'c'>('a', 'b', 'c');
  const at = fc.integer({ min: 0, max: 100 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.tuple(fc.constant('set' as const), name, at),
    fc.tuple(fc.constant('setEarlier' as const), name, at),
    fc.tuple(fc.constant('clear' as const), name, fc.constant(0)),
    fc.tuple(fc.constant('expire' as const), name, at),
    fc.tuple(fc.constant('earliest' as const), name, fc.constant(0)),
  );
  test.prop([fc.array(op, { maxLength: 60 })])('the cached earliest() equals a scan after any sequence of changes', (ops) => {
    const timers = new TimerTable<'a' | 'b' | 'c'>();
    const model = new Map<string, number>();
    for (const [kind, n, t] of ops) {
      if (kind === 'set') {
        timers.set(n, t);
        model.set(n, t);
      } else if (kind === 'setEarlier') {
        timers.setEarlier(n, t);
        if (!model.has(n) || t < model.get(n)!) model.set(n, t);
      } else if (kind === 'clear') {
        timers.clear(n);
        model.delete(n);
      } else if (kind === 'expire') {
        const due = [...model].filter(([, d]) => t >= d).sort((x, y) => x[1] - y[1]);
        for (const [k] of due) model.delete(k);
        expect(timers.expire(t)).toEqual(due.map(([k]) => k));
      }
      const values = [...model.values()];
      expect(timers.earliest()).toBe(values.length === 0 ? undefined : Math.min(...values));
    }
  });
});
