// NatEventQueue: first in, first out, and bounded by NAT_EVENTS_MAX when nobody drains it.
import { describe, expect, it } from 'vitest';
import { NAT_EVENTS_MAX, NatEventQueue, type NatEvent } from '../../../runtime-sim/nat/nat-event.ts';
import { a } from './helpers.ts';

const event = (at: number): NatEvent => ({ kind: 'nat-map', at, internal: a('10.0.0.2:1'), external: a('203.0.113.10:2') });

describe('NatEventQueue', () => {
  it('polls in order and is reusable after draining', () => {
    const q = new NatEventQueue();
    q.push(event(1));
    q.push(event(2));
    expect(q.poll()?.at).toBe(1);
    q.push(event(3));
    expect([q.poll()?.at, q.poll()?.at, q.poll()]).toEqual([2, 3, undefined]);
  });

  it('refuses events beyond NAT_EVENTS_MAX until drained', () => {
    const q = new NatEventQueue();
    let accepted = 0;
    const e = event(0);
    for (let i = 0; i < NAT_EVENTS_MAX; i++) if (q.push(e)) accepted++;
    expect(accepted).toBe(NAT_EVENTS_MAX);
    expect(q.push(event(-1))).toBe(false);
    expect(q.poll()).toBe(e);
    expect(q.push(event(-2))).toBe(true);
  });
});
