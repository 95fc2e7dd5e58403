// NatBox unit tests, one behaviour per block: mapping reuse per destination (EIM/ADM/APDM),
// filtering (EIF/ADF/APDF), timers and refresh direction, port preservation and fallback,
// IP pooling, hairpinning, the inbound firewall, the session-table limit, the Linux
// conntrack clash, and the nat-map / nat-expire events.
import { describe, expect, it } from 'vitest';
import { addrEquals } from '../../../protocol/core/addr.ts';
import { NatConfigError } from '../../../runtime-sim/nat/config.ts';
import { NatBox } from '../../../runtime-sim/nat/nat-box.ts';
import { natPreset } from '../../../runtime-sim/nat/presets.ts';
import { a, drainEvents, EXT, ext, makeBox, testRng, tweak } from './helpers.ts';

const IN = a('10.0.1.2:5000');
const IN2 = a('10.0.1.3:5000');
const R1 = a('198.51.100.1:3478');
const R1b = a('198.51.100.1:4000'); // same IP as R1, other port
const R2 = a('198.51.100.2:3478');

describe('mapping behaviour', () => {
  it('endpoint-independent: one external endpoint for every destination', () => {
    const box = makeBox('port-restricted-cone');
    const e1 = ext(box.outbound(0, IN, R1));
    expect(ext(box.outbound(1, IN, R1b))).toEqual(e1);
    expect(ext(box.outbound(2, IN, R2))).toEqual(e1);
    expect(e1.ip).toBe(EXT);
    expect(box.mappingCount).toBe(1);
    expect(box.sessionCount).toBe(3);
  });

  it('address-dependent: shared per remote IP, new per other IP', () => {
    const box = makeBox(tweak('port-restricted-cone', { mapping: 'address-dependent' }));
    const e1 = ext(box.outbound(0, IN, R1));
    expect(ext(box.outbound(1, IN, R1b))).toEqual(e1);
    const e2 = ext(box.outbound(2, IN, R2));
    expect(e2.port).not.toBe(e1.port);
    expect(box.mappingCount).toBe(2);
  });

  it('address-and-port-dependent: new mapping per remote ip:port', () => {
    const box = makeBox('symmetric');
    const e1 = ext(box.outbound(0, IN, R1));
    const e1b = ext(box.outbound(1, IN, R1b));
    const e2 = ext(box.outbound(2, IN, R2));
    expect(new Set([e1.port, e1b.port, e2.port]).size).toBe(3);
    expect(ext(box.outbound(3, IN, R1))).toEqual(e1); // same flow reuses its mapping
    expect(box.mappingCount).toBe(3);
  });

  it('different internal endpoints get different external endpoints', () => {
    const box = makeBox('full-cone');
    expect(ext(box.outbound(0, IN, R1)).port).not.toBe(ext(box.outbound(0, IN2, R1)).port);
  });
});

describe('filtering behaviour', () => {
  const cases = [
    { filtering: 'endpoint-independent', fromR1: true, fromR1b: true, fromR2: true },
    { filtering: 'address-dependent', fromR1: true, fromR1b: true, fromR2: false },
    { filtering: 'address-and-port-dependent', fromR1: true, fromR1b: false, fromR2: false },
  ] as const;
  for (const c of cases) {
    it(`${c.filtering}`, () => {
      const box = makeBox(tweak('full-cone', { filtering: c.filtering }));
      const e = ext(box.outbound(0, IN, R1));
      for (const [remote, expected] of [[R1, c.fromR1], [R1b, c.fromR1b], [R2, c.fromR2]] as const) {
        const verdict = box.inbound(1, e, remote);
        if (expected) expect(verdict).toEqual({ internal: IN });
        else expect(verdict).toEqual({ drop: 'nat-filtered' });
      }
    });
  }

  it('no mapping: nat-no-mapping, also for a foreign IP', () => {
    const box = makeBox('full-cone');
    expect(box.inbound(0, a(`${EXT}:50000`), R1)).toEqual({ drop: 'nat-no-mapping' });
    expect(box.inbound(0, a('203.0.113.99:50000'), R1)).toEqual({ drop: 'nat-no-mapping' });
    expect(box.counters.dropNoMapping).toBe(2);
  });

  it('filtering is per mapping: a session of another mapping does not open this one', () => {
    const box = makeBox('port-restricted-cone');
    ext(box.outbound(0, IN2, R2));
    const e = ext(box.outbound(0, IN, R1));
    expect(box.inbound(1, e, R2)).toEqual({ drop: 'nat-filtered' });
  });
});

describe('timers and refresh', () => {
  const T = 120_000;

  it('a mapping expires binding_timeout_ms after its last outbound datagram', () => {
    const box = makeBox('port-restricted-cone');
    const e = ext(box.outbound(0, IN, R1));
    expect(box.nextExpiry()).toBe(T);
    expect(box.inbound(T - 1, e, R1)).toEqual({ internal: IN });
    expect(box.inbound(T, e, R1)).toEqual({ drop: 'nat-no-mapping' });
    expect(box.mappingCount).toBe(0);
    expect(box.nextExpiry()).toBeUndefined();
  });

  it('outbound refresh: outbound extends, inbound does not', () => {
    const box = makeBox('port-restricted-cone'); // refresh: 'outbound'
    const e = ext(box.outbound(0, IN, R1));
    box.outbound(50_000, IN, R1);
    expect(box.nextExpiry()).toBe(50_000 + T);
    box.inbound(100_000, e, R1);
    expect(box.nextExpiry()).toBe(50_000 + T);
    box.expire(50_000 + T);
    expect(box.mappingCount).toBe(0);
  });

  it('both-way refresh: inbound extends too', () => {
    const box = makeBox(tweak('port-restricted-cone', { refresh: 'both' }));
    const e = ext(box.outbound(0, IN, R1));
    expect(box.inbound(100_000, e, R1)).toEqual({ internal: IN });
    expect(box.nextExpiry()).toBe(100_000 + T);
    box.expire(T + 1);
    expect(box.inbound(T + 1, e, R1)).toEqual({ internal: IN });
  });

  it('both-way refresh under EIF: an admitted datagram from a new remote keeps the mapping alive', () => {
    const box = makeBox(tweak('full-cone', { refresh: 'both' }));
    const e = ext(box.outbound(0, IN, R1));
    expect(box.inbound(100_000, e, R2)).toEqual({ internal: IN });
    box.expire(T);
    expect(box.mappingCount).toBe(1);
    expect(box.inbound(T + 50_000, e, R2)).toEqual({ internal: IN });
  });

  it('EIM mapping lives while any session lives; a dead session closes APDF filtering', () => {
    const box = makeBox('port-restricted-cone');
    const e = ext(box.outbound(0, IN, R1));
    box.outbound(60_000, IN, R2);
    box.expire(T);
    expect(box.mappingCount).toBe(1);
    expect(box.inbound(T, e, R1)).toEqual({ drop: 'nat-filtered' });
    expect(box.inbound(T, e, R2)).toEqual({ internal: IN });
    box.expire(60_000 + T);
    expect(box.mappingCount).toBe(0);
  });

  it('stream timeout applies once a flow has gone both ways (Linux)', () => {
    const box = makeBox('linux-masquerade');
    const e = ext(box.outbound(0, IN, R1));
    expect(box.nextExpiry()).toBe(30_000);
    box.inbound(10, e, R1);
    expect(box.nextExpiry()).toBe(10 + 120_000);
  });

  it('expiry is exact even if expire() is never called', () => {
    const box = makeBox('full-cone');
    const e1 = ext(box.outbound(0, IN, R1));
    const e2 = ext(box.outbound(T + 5, IN, R1)); // the old mapping died at T
    expect(drainEvents(box).map((ev) => ev.kind)).toEqual(['nat-map', 'nat-expire', 'nat-map']);
    expect(e2.port).not.toBe(e1.port); // sequential allocator moved on
  });
});

describe('port assignment', () => {
  it('preserve keeps the internal port and falls back on clash', () => {
    const box = makeBox('linux-masquerade');
    expect(ext(box.outbound(0, IN, R1)).port).toBe(5000);
    const other = ext(box.outbound(0, IN2, R1)).port; // IN2 also uses port 5000
    expect(other).not.toBe(5000);
    expect(other).toBeGreaterThanOrEqual(1024);
  });

  it('preserve falls back when the internal port is outside the range', () => {
    const box = makeBox(tweak('open', { port_assignment: { kind: 'preserve', min_port: 40_000, max_port: 40_010 } }));
    expect(ext(box.outbound(0, IN, R1)).port).toBe(40_000);
  });

  it('sequential hands out consecutive ports within the range and wraps', () => {
    const box = makeBox(tweak('symmetric', { port_assignment: { kind: 'sequential', min_port: 60_000, max_port: 60_002 } }));
    const ports = [R1, R1b, R2].map((r, i) => ext(box.outbound(i, IN, r)).port);
    expect(ports).toEqual([60_000, 60_001, 60_002]);
    expect(box.outbound(3, IN, a('198.51.100.9:1'))).toEqual({ drop: 'nat-table-full' });
  });

  it('random stays within the range and differs per mapping', () => {
    const box = makeBox(tweak('symmetric', { port_assignment: { kind: 'random', min_port: 20_000, max_port: 29_999 } }));
    const ports = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const port = ext(box.outbound(0, IN, a(`198.51.100.7:${1000 + i}`))).port;
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThanOrEqual(29_999);
      ports.add(port);
    }
    expect(ports.size).toBe(200);
  });
});

describe('IP pooling', () => {
  const IPS = ['203.0.113.10', '203.0.113.11', '203.0.113.12'];
  it('paired: every mapping of one internal IP uses one external IP', () => {
    const box = makeBox(tweak('symmetric', { ip_pooling: 'paired' }), { ips: IPS });
    const used = new Set<string>();
    for (let i = 0; i < 30; i++) used.add(ext(box.outbound(0, a(`10.0.1.2:${5000 + (i % 3)}`), a(`198.51.100.1:${i + 1}`))).ip);
    expect(used.size).toBe(1);
    const others = new Set([2, 3, 4, 5].map((h) => ext(box.outbound(0, a(`10.0.1.${h + 1}:5000`), R1)).ip));
    expect(others.size).toBeGreaterThan(1); // hosts are spread over the pool
  });

  it('arbitrary: one internal IP may appear behind several external IPs', () => {
    const box = makeBox(tweak('symmetric', { ip_pooling: 'arbitrary' }), { ips: IPS });
    const used = new Set<string>();
    for (let i = 0; i < 30; i++) used.add(ext(box.outbound(0, IN, a(`198.51.100.1:${i + 1}`))).ip);
    expect(used.size).toBe(3);
  });

  it('inbound on a second external IP reaches its mapping', () => {
    const box = makeBox(tweak('full-cone', { ip_pooling: 'arbitrary' }), { ips: IPS });
    for (let i = 0; i < 10; i++) {
      const host = a(`10.0.1.${i + 2}:5000`);
      expect(box.inbound(1, ext(box.outbound(0, host, R1)), R1)).toEqual({ internal: host });
    }
  });
});

describe('hairpinning', () => {
  it('is not a hairpin when the destination is not ours', () => {
    expect(makeBox('full-cone').hairpin(0, IN, R1)).toBeUndefined();
  });

  it('none: dropped with reason hairpin', () => {
    const box = makeBox('symmetric');
    expect(box.hairpin(0, IN, a(`${EXT}:6000`))).toEqual({ drop: 'hairpin' });
  });

  for (const mode of ['external-source', 'internal-source'] as const) {
    it(`${mode}: reaches the target through its mapping`, () => {
      const box = makeBox(tweak('full-cone', { hairpinning: mode }));
      const eTarget = ext(box.outbound(0, IN2, R1));
      const verdict = box.hairpin(1, IN, eTarget);
      if (verdict === undefined || 'drop' in verdict) throw new Error(`unexpected ${JSON.stringify(verdict)}`);
      expect(verdict.internal).toEqual(IN2);
      const eSender = ext(box.outbound(2, IN, R2)); // EIM: the sender's mapping
      expect(verdict.external).toEqual(eSender);
      expect(verdict.source).toEqual(mode === 'external-source' ? eSender : IN);
    });
  }

  it('applies the target mapping filtering (APDF: a hairpin punch from each side opens it)', () => {
    const box = makeBox(tweak('port-restricted-cone', { hairpinning: 'external-source' }));
    const eTarget = ext(box.outbound(0, IN2, R1));
    const eSender = ext(box.outbound(0, IN, R1));
    expect(box.hairpin(1, IN, eTarget)).toEqual({ drop: 'nat-filtered' }); // target never sent to eSender
    // The target now punches back: the sender's mapping has a session with eTarget, so it passes…
    expect(box.hairpin(2, IN2, eSender)).toEqual({ internal: IN, source: eTarget, external: eTarget });
    // …and the sender's retry passes too.
    expect(box.hairpin(3, IN, eTarget)).toEqual({ internal: IN2, source: eSender, external: eSender });
  });

  it('to an unmapped port of ours: nat-no-mapping', () => {
    const box = makeBox('full-cone');
    expect(box.hairpin(0, IN, a(`${EXT}:1`))).toEqual({ drop: 'nat-no-mapping' });
  });
});

describe('session-table limit', () => {
  it('refuses new flows when full, keeps serving existing ones, recovers after expiry', () => {
    const box = makeBox(tweak('port-restricted-cone', { sessions_max: 3 }));
    const e = ext(box.outbound(0, IN, R1));
    box.outbound(0, IN, R2);
    box.outbound(0, IN2, R1);
    expect(box.outbound(1, IN, R1b)).toEqual({ drop: 'nat-table-full' });
    expect(ext(box.outbound(1, IN, R1))).toEqual(e);
    expect(box.inbound(1, e, R1)).toEqual({ internal: IN });
    expect(box.sessionCount).toBe(3);
    expect(box.counters.dropTableFull).toBe(1);
    box.expire(120_000);
    expect(box.sessionCount).toBe(1); // the flow refreshed at t=1 lives until 120_001
    expect(ext(box.outbound(120_000, IN, R1b))).toEqual(e);
    box.expire(240_000);
    expect(box.sessionCount).toBe(0);
  });
});

describe('per-host port quota (RFC 6888 REQ-4)', () => {
  it('limits mappings per internal IP, not per endpoint, and frees them on expiry', () => {
    const box = makeBox(tweak('symmetric', { ports_per_host_max: 2 }));
    ext(box.outbound(0, IN, R1));
    ext(box.outbound(0, a('10.0.1.2:6000'), R1)); // same host, other port
    expect(box.outbound(0, IN, R2)).toEqual({ drop: 'nat-table-full' });
    ext(box.outbound(0, IN2, R2)); // another host has its own quota
    box.expire(120_000);
    ext(box.outbound(120_000, IN, R2));
  });

  it('does not limit flows that reuse a mapping (EIM)', () => {
    const box = makeBox(tweak('port-restricted-cone', { ports_per_host_max: 1 }));
    const e = ext(box.outbound(0, IN, R1));
    expect(ext(box.outbound(0, IN, R2))).toEqual(e);
    expect(box.outbound(0, a('10.0.1.2:6000'), R1)).toEqual({ drop: 'nat-table-full' });
  });
});

describe('Linux conntrack clash', () => {
  // Peer P learned our E:5000 (from STUN via another flow) and punches first.
  const P = a('192.0.2.50:7000');
  const STUN = a('198.51.100.200:3478');

  it('unsolicited inbound creates state; the later outbound flow moves to another port', () => {
    const box = makeBox('linux-masquerade');
    const e = ext(box.outbound(0, IN, STUN)); // E:5000, port preserved
    expect(e.port).toBe(5000);
    drainEvents(box);
    expect(box.inbound(10, e, P)).toEqual({ drop: 'nat-filtered' }); // P's punch arrives first
    expect(box.sessionCount).toBe(2); // the flow to STUN + P's conntrack entry
    const toPeer = ext(box.outbound(20, IN, P));
    expect(toPeer.port).not.toBe(5000); // the tuple (P, E:5000) was taken
    expect(ext(box.outbound(21, IN, STUN)).port).toBe(5000); // other flows keep the natural port
    expect(box.counters.clashes).toBe(1);
    expect(drainEvents(box)).toEqual([{ kind: 'nat-map', at: 20, internal: IN, external: toPeer, remote: P, clash: true }]);
    // P keeps sending to E:5000: still refused (and it keeps the conntrack entry alive).
    expect(box.inbound(30, e, P)).toEqual({ drop: 'nat-filtered' });
    // Replies to the moved port pass: a peer that learns the new port can talk.
    expect(box.inbound(31, toPeer, P)).toEqual({ internal: IN });
  });

  it('also when no mapping existed yet: the flow moves, the next flow gets the natural port', () => {
    const box = makeBox('linux-masquerade');
    expect(box.inbound(0, a(`${EXT}:5000`), P)).toEqual({ drop: 'nat-no-mapping' });
    expect(ext(box.outbound(1, IN, P)).port).not.toBe(5000);
    expect(ext(box.outbound(2, IN, STUN)).port).toBe(5000);
  });

  it('the conntrack entry expires: after binding_timeout_ms the port is preserved again', () => {
    const box = makeBox('linux-masquerade');
    box.inbound(0, a(`${EXT}:5000`), P);
    expect(box.nextExpiry()).toBe(30_000);
    expect(ext(box.outbound(30_000, IN, P)).port).toBe(5000);
  });

  it('an inbound firewall prevents the clash', () => {
    const box = makeBox('linux-masquerade-firewall');
    const e = ext(box.outbound(0, IN, STUN));
    expect(box.inbound(10, e, P)).toEqual({ drop: 'nat-filtered' });
    expect(box.inbound(10, a(`${EXT}:6000`), P)).toEqual({ drop: 'nat-filtered' });
    expect(box.sessionCount).toBe(1);
    expect(ext(box.outbound(20, IN, P))).toEqual(e);
    expect(box.inbound(30, e, P)).toEqual({ internal: IN }); // simultaneous open works
  });

  it('without conntrack_clash the same sequence keeps the port', () => {
    const box = makeBox(tweak('linux-masquerade', { conntrack_clash: false }));
    const e = ext(box.outbound(0, IN, STUN));
    box.inbound(10, e, P);
    expect(ext(box.outbound(20, IN, P))).toEqual(e);
  });

  it('unsolicited entries count against sessions_max', () => {
    const box = makeBox(tweak('linux-masquerade', { sessions_max: 2 }));
    box.inbound(0, a(`${EXT}:1`), P);
    box.inbound(0, a(`${EXT}:2`), P);
    box.inbound(0, a(`${EXT}:3`), P); // table full: refused without state
    expect(box.sessionCount).toBe(2);
    expect(box.outbound(1, IN, STUN)).toEqual({ drop: 'nat-table-full' });
  });
});

describe('events and construction', () => {
  it('emits nat-map (remote only for dependent mappings) and nat-expire', () => {
    const eim = makeBox('full-cone');
    const e = ext(eim.outbound(5, IN, R1));
    eim.outbound(7, IN, R1);
    eim.expire(1e9); // noticed late, but stamped with the exact expiry time
    expect(drainEvents(eim)).toEqual([
      { kind: 'nat-map', at: 5, internal: IN, external: e },
      { kind: 'nat-expire', at: 7 + 120_000, internal: IN, external: e },
    ]);
    const apdm = makeBox('symmetric');
    const e2 = ext(apdm.outbound(0, IN, R1));
    expect(drainEvents(apdm)).toEqual([{ kind: 'nat-map', at: 0, internal: IN, external: e2, remote: R1 }]);
  });

  it('records no events when asked not to', () => {
    const box = new NatBox(natPreset('full-cone'), [EXT], testRng(1), 'n', { events: false });
    box.outbound(0, IN, R1);
    expect(box.pollNatEvent()).toBeUndefined();
  });

  it('rejects bad configs and external IPs with NatConfigError', () => {
    const rng = testRng(1);
    expect(() => new NatBox(natPreset('full-cone'), [], rng, 'n')).toThrow(NatConfigError);
    expect(() => new NatBox(natPreset('full-cone'), ['1.2.3.4', '1.2.3.4'], rng, 'n')).toThrow(NatConfigError);
    expect(() => new NatBox(natPreset('full-cone'), ['nope'], rng, 'n')).toThrow(NatConfigError);
    expect(() => new NatBox(tweak('full-cone', { sessions_max: 0 }), [EXT], rng, 'n')).toThrow(NatConfigError);
    expect(() => new NatBox(tweak('full-cone', { binding_timeout_ms: -1 }), [EXT], rng, 'n')).toThrow(NatConfigError);
    expect(() => new NatBox(tweak('full-cone', { stream_timeout_ms: 1000 }), [EXT], rng, 'n')).toThrow(NatConfigError);
    expect(() => new NatBox(tweak('full-cone', { ports_per_host_max: 0 }), [EXT], rng, 'n')).toThrow(NatConfigError);
    expect(() => new NatBox(tweak('full-cone', { mapping: 'cone' as never }), [EXT], rng, 'n')).toThrow(NatConfigError);
    expect(() =>
      new NatBox(tweak('full-cone', { port_assignment: { kind: 'random', min_port: 10, max_port: 5 } }), [EXT], rng, 'n'),
    ).toThrow(NatConfigError);
  });

  it('maps IPv6 inside to an IPv6 external address, picking the pool member of the right family', () => {
    const box = makeBox(tweak('port-restricted-cone', { ip_pooling: 'arbitrary' }), { ips: ['203.0.113.10', '2001:db8::10'] });
    const inside6 = a('[fd00::2]:5000');
    const remote6 = a('[2001:db8:1::1]:3478');
    const e6 = ext(box.outbound(0, inside6, remote6));
    expect(e6.ip).toBe('2001:db8::10');
    expect(e6.family).toBe(6);
    expect(box.inbound(1, e6, remote6)).toEqual({ internal: inside6 });
    expect(ext(box.outbound(0, IN, R1)).ip).toBe('203.0.113.10');
    expect(box.isExternalIp('2001:db8::10')).toBe(true);
  });

  it('IPv6 inside with only IPv4 outside cannot be mapped', () => {
    const box = makeBox('full-cone');
    expect(box.outbound(0, a('[fd00::2]:5000'), a('[2001:db8::1]:3478'))).toEqual({ drop: 'nat-table-full' });
    expect(addrEquals(ext(box.outbound(0, IN, R1)), ext(box.outbound(0, IN, R1)))).toBe(true);
  });
});
