// MappingTable: indexes, the sessions_max bound, expiry in deadline order with lazy re-keying
// (refreshes never touch the heap), and nextExpiry() exactness, against a plain model.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import type { Addr } from '../../../protocol/core/addr.ts';
import { conntrackKey, MappingTable, type Mapping, type Session } from '../../../runtime-sim/nat/mapping-table.ts';
import { a } from './helpers.ts';

const EXT_IP = '203.0.113.10';
const external = (port: number): Addr => ({ family: 4, ip: EXT_IP, port });

function withMapping(table: MappingTable, internal: Addr, port: number, remote: Addr, expiresAt: number): { mapping: Mapping; session: Session } {
  const ep = table.endpointOrNew(internal);
  const mapping = table.addMapping(ep, external(port), port, 0, 'endpoint', remote);
  return { mapping, session: table.addSession(mapping, remote, expiresAt) };
}

describe('MappingTable', () => {
  it('indexes a mapping by internal endpoint, external key and session', () => {
    const table = new MappingTable(10, true, () => {});
    const internal = a('10.0.0.2:5000');
    const remote = a('198.51.100.1:3478');
    const { mapping, session } = withMapping(table, internal, 6000, remote, 100);
    expect(table.endpoint(internal)?.eim).toBe(mapping);
    expect(table.mappingAt(6000)).toBe(mapping);
    expect(table.portTaken(6000)).toBe(true);
    expect(table.sessionOf(table.endpoint(internal)!, remote)).toBe(session);
    expect(table.mappingSession(mapping, remote)).toBe(session);
    expect(table.mappingHasRemoteIp(mapping, remote.ip)).toBe(true);
    expect(table.mappingHasRemoteIp(mapping, '198.51.100.2')).toBe(false);
    expect([table.size, table.mappingCount, table.sessionCount]).toEqual([1, 1, 1]);
  });

  it('removes a mapping with its last session and reports when it expired', () => {
    const expired: Array<[number, number]> = [];
    const table = new MappingTable(10, false, (m, at) => expired.push([m.external.port, at]));
    const internal = a('10.0.0.2:5000');
    const { mapping } = withMapping(table, internal, 6000, a('198.51.100.1:1'), 100);
    const second = table.addSession(mapping, a('198.51.100.1:2'), 150);
    table.expire(120);
    expect(expired).toEqual([]);
    second.expiresAt = 400; // a refresh: the heap is not touched
    expect(table.nextExpiry()).toBe(400);
    table.expire(1000);
    expect(expired).toEqual([[6000, 400]]);
    expect(table.endpoint(internal)).toBeUndefined();
    expect(table.portTaken(6000)).toBe(false);
    expect(table.nextExpiry()).toBeUndefined();
  });

  it('a late expire() still reports expiries in time order, refreshed entries included', () => {
    const expired: number[] = [];
    const table = new MappingTable(10, false, (_m, at) => expired.push(at));
    const first = withMapping(table, a('10.0.0.2:1'), 1, a('198.51.100.1:1'), 10).session;
    withMapping(table, a('10.0.0.2:2'), 2, a('198.51.100.1:1'), 20);
    first.expiresAt = 30; // refreshed: its heap entry still says 10
    table.expire(100);
    expect(expired).toEqual([20, 30]);
  });

  it('counts conntrack entries in size and expires them', () => {
    const table = new MappingTable(2, false, () => {});
    const key = conntrackKey(6000, a('192.0.2.1:7'));
    table.addConntrack(key, 30);
    expect(table.conntrackEntry(key)).toBeDefined();
    expect(table.size).toBe(1);
    withMapping(table, a('10.0.0.2:1'), 1, a('192.0.2.1:7'), 50);
    expect(table.full).toBe(true);
    table.expire(30);
    expect(table.conntrackEntry(key)).toBeUndefined();
    expect(table.size).toBe(1);
  });

  // A random schedule of new sessions, refreshes and expiry calls, against a plain array model.
  const op = fc.oneof(
    fc.record({ kind: fc.constant('add' as const), life: fc.integer({ min: 1, max: 50 }) }),
    fc.record({ kind: fc.constant('refresh' as const), pick: fc.nat(), life: fc.integer({ min: 1, max: 50 }) }),
    fc.record({ kind: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 80 }) }),
  );
  test.prop([fc.array(op, { maxLength: 200 })], { numRuns: 3000 })('expires exactly the due sessions, in deadline order; nextExpiry is exact', (ops) => {
    const expiredAt: number[] = [];
    const table = new MappingTable(1_000, false, (_m, at) => expiredAt.push(at));
    const live: Session[] = [];
    let now = 0;
    let port = 1;
    for (const o of ops) {
      if (o.kind === 'add') {
        const p = port++;
        live.push(withMapping(table, a(`10.0.0.2:${p}`), p, a('198.51.100.1:1'), now + o.life).session);
      } else if (o.kind === 'refresh' && live.length > 0) {
        const s = live[o.pick % live.length]!;
        s.expiresAt = Math.max(s.expiresAt, now + o.life);
      } else if (o.kind === 'tick') {
        now += o.dt;
        expiredAt.length = 0;
        table.expire(now);
        const due = live.filter((s) => s.expiresAt <= now).map((s) => s.expiresAt).sort((x, y) => x - y);
        expect(expiredAt).toEqual(due);
        for (let i = live.length - 1; i >= 0; i--) if (live[i]!.expiresAt <= now) live.splice(i, 1);
      }
      expect(table.sessionCount).toBe(live.length);
      const min = live.length === 0 ? undefined : Math.min(...live.map((s) => s.expiresAt));
      expect(table.nextExpiry()).toBe(min);
    }
  });
});
