// Finding 5 of issue 9 (tables exhausted, limits bypassed): 200k registrations from 4,000
// source IPs filled the 10,000-entry registry and honest clients got "table full" for 60 s; one
// id filled the 1,000-entry pending table; the rate limiter gave an evicted source a fresh
// burst and counted IPv6 /128s. Now: quotas per source prefix (/24, /64) and per id, rate-limiter
// state that is never evicted, and full tables that evict by fairness instead of refusing.
import { describe, expect, it } from 'vitest';
import { addr, type Addr } from '../../../protocol/core/addr.ts';
import { FairTable } from '../../../protocol/punch/fair-table.ts';
import { RateLimiter } from '../../../protocol/punch/rate-limiter.ts';
import { DEFAULT_RENDEZVOUS, RendezvousServer } from '../../../protocol/punch/rendezvous-server.ts';
import { encodeRendezvous, NO_COOKIE } from '../../../protocol/punch/rendezvous-wire.ts';
import { sourcePrefix } from '../../../protocol/punch/source-prefix.ts';
import { UNKNOWN_NAT } from '../../../protocol/punch/nat-report.ts';
import { connect, register, registerMessage, send, server, SERVER, seeded, token } from './server-harness.ts';

interface FloodResult {
  readonly honest: number;
  readonly registered: number;
  readonly kept: number;
  readonly table: number;
}

/**
 * `total` registrations with valid cookies (the flooders can receive at their addresses) from
 * `sources` addresses spread over `prefixes` /24s, over `duration_ms`; meanwhile `honest`
 * clients in their own /24s register (cookie round trip) at seeded random times. Counts the
 * honest ones that got `registered` and are still registered when the flood ends.
 */
function flood(total: number, sources: number, prefixes: number, honest: number, duration_ms: number): FloodResult {
  const s = new RendezvousServer({ primary: SERVER, verbose_events: false, events_max: 64, transmits_max: 64 }, seeded(11));
  const rng = seeded(12);
  const flooders: Addr[] = [];
  const cookies: Uint8Array[] = [];
  for (let j = 0; j < sources; j++) {
    const p = j % prefixes;
    flooders.push(addr(`100.${64 + (p >> 8)}.${p & 255}.${1 + Math.floor(j / prefixes)}`, 1024 + (j % 60_000)));
    cookies.push(s.cookieFor(0, flooders[j]!));
  }
  const honestAt = Array.from({ length: honest }, () => Math.floor(rng.nextFloat() * duration_ms));
  const honestAddr = (k: number): Addr => addr(`172.${16 + (k >> 8)}.${k & 255}.10`, 5000);
  const ok = new Set<number>();
  const drain = (): void => {
    while (s.pollTransmit()) {}
    while (s.pollEvent()) {}
  };
  const order = honestAt.map((t, k) => ({ t, k })).sort((x, y) => x.t - y.t);
  let next = 0;
  for (let i = 0; i < total; i++) {
    const now = (i * duration_ms) / total;
    while (next < order.length && order[next]!.t <= now) {
      const k = order[next++]!.k;
      const reply = register(s, now, honestAddr(k), `honest-${k}`, token(k & 255));
      if (reply[0]?.m.type === 'registered') ok.add(k);
    }
    const j = i % sources;
    const from = flooders[j]!;
    s.handleDatagram(now, from, encodeRendezvous({ type: 'register', nonce: i, cookie: cookies[j]!, id: `f${i}`, token: token(1), rtt_ms: 0, nat: UNKNOWN_NAT, candidates: [] }), SERVER);
    drain();
    if (i % 1000 === 0) s.handleTimeout(now);
  }
  let kept = 0;
  for (const k of ok) if (s.registry.lookup(duration_ms, `honest-${k}`)) kept++;
  return { honest, registered: ok.size, kept, table: s.registry.size };
}

describe('finding 5: the registry under a flood', () => {
  it('finding-5: >= 99% of honest clients register and stay registered during 200k registrations from 4,000 sources', () => {
    const spread = flood(200_000, 4_000, 4_000, 200, 10_000);
    const packed = flood(200_000, 4_000, 16, 200, 10_000);
    console.log(
      `honest registration success during a 200k-registration flood from 4,000 sources: ` +
        `4,000 /24s ${spread.kept}/${spread.honest} (${((100 * spread.kept) / spread.honest).toFixed(1)}%), ` +
        `16 /24s ${packed.kept}/${packed.honest} (${((100 * packed.kept) / packed.honest).toFixed(1)}%); ` +
        `registry ${spread.table} and ${packed.table} of ${DEFAULT_RENDEZVOUS.registrations_max}`,
    );
    for (const r of [spread, packed]) {
      expect(r.kept / r.honest).toBeGreaterThanOrEqual(0.99);
      expect(r.table).toBeLessThanOrEqual(DEFAULT_RENDEZVOUS.registrations_max);
    }
    expect(spread.table).toBe(DEFAULT_RENDEZVOUS.registrations_max); // the flood did fill it
    expect(packed.table).toBeLessThanOrEqual(16 * DEFAULT_RENDEZVOUS.registrations_per_prefix_max + packed.honest);
  }, 60_000);

  it('finding-5: a full table evicts the oldest entry of the biggest prefix, never refuses', () => {
    const s = server({ registrations_max: 100, registrations_per_prefix_max: 100, rate_per_s: 1e9, rate_burst: 1e9 });
    for (let i = 0; i < 100; i++) register(s, i, addr('192.0.2.1', 1000 + i), `squat-${i}`, token(1));
    expect(s.registry.size).toBe(100);
    expect(register(s, 200, addr('198.51.100.5', 5000), 'honest', token(2))[0]!.m.type).toBe('registered');
    expect(s.registry.lookup(200, 'honest')).toBeDefined();
    expect(s.registry.lookup(200, 'squat-0')).toBeUndefined();
    expect(s.registry.lookup(200, 'squat-1')).toBeDefined();
  });

  it('finding-5: one prefix holds at most registrations_per_prefix_max entries (its own oldest go)', () => {
    const s = server({ registrations_per_prefix_max: 10, rate_per_s: 1e9, rate_burst: 1e9 });
    for (let i = 0; i < 50; i++) register(s, i, addr(`192.0.2.${1 + (i % 4)}`, 1000 + i), `p${i}`, token(1));
    expect(s.registry.size).toBe(10);
    expect(s.registry.lookup(50, 'p49')).toBeDefined();
    expect(s.registry.lookup(50, 'p39')).toBeUndefined();
  });
});

describe('finding 5: pending connects', () => {
  it('finding-5: one id holds one pending dial whatever the number of targets', () => {
    const s = server({ rate_per_s: 1e9, rate_burst: 1e9 });
    const from = addr('192.0.2.7', 4000);
    register(s, 0, from, 'greedy', token(1));
    for (let i = 0; i < 2_000; i++) connect(s, i, from, 'greedy', token(1), `target-${i}`);
    expect(s.counters.pending).toBe(1);
  });

  it('finding-5: a full pending table evicts from the prefix with most pending dials', () => {
    const s = server({ pending_max: 20, pending_per_prefix_max: 20, rate_per_s: 1e9, rate_burst: 1e9 });
    for (let i = 0; i < 20; i++) {
      const from = addr('192.0.2.9', 1000 + i);
      register(s, 0, from, `m${i}`, token(1));
      connect(s, 0, from, `m${i}`, token(1), `ghost-${i}`);
    }
    const a = addr('203.0.113.11', 5000);
    const b = addr('198.18.0.12', 6000);
    register(s, 0, a, 'a', token(2));
    register(s, 0, b, 'b', token(3));
    connect(s, 1, a, 'a', token(2), 'b');
    expect(s.counters.pending).toBe(20);
    // b consents later: a's dial is still pending, so the punch goes out.
    expect(connect(s, 2, b, 'b', token(3), 'a', 'accept').map((x) => x.m.type)).toEqual(['punch', 'punch']);
  });
});

describe('finding 5: rate limiter', () => {
  it('finding-5: a source that spent its burst gets no fresh one after 100,000 other sources', () => {
    const limiter = new RateLimiter(1, 5, 4_096, 42);
    let allowed = 0;
    for (let i = 0; i < 10; i++) if (limiter.allow(0, 'v4:192.0.2')) allowed++;
    expect(allowed).toBe(5);
    for (let i = 0; i < 100_000; i++) limiter.allow(0, `v4:10.${i >> 8}.${i & 255}`);
    expect(limiter.allow(0, 'v4:192.0.2')).toBe(false);
    expect(limiter.allow(1_000, 'v4:192.0.2')).toBe(true); // one token per second comes back
    expect(limiter.size).toBeLessThanOrEqual(4_096);
  });

  it('finding-5: IPv6 sources are counted per /64, IPv4 per /24', () => {
    expect(sourcePrefix(addr('2001:db8:1:2::1', 1))).toBe(sourcePrefix(addr('2001:db8:1:2:ffff::9', 2)));
    expect(sourcePrefix(addr('2001:db8:1:2::1', 1))).not.toBe(sourcePrefix(addr('2001:db8:1:3::1', 1)));
    expect(sourcePrefix(addr('192.0.2.1', 1))).toBe(sourcePrefix(addr('192.0.2.254', 9)));
    const s = server({ rate_per_s: 1, rate_burst: 5 });
    let answered = 0;
    for (let i = 0; i < 100; i++) answered += send(s, 0, addr(`2001:db8:1:2::${(i + 1).toString(16)}`, 1000), registerMessage('x', token(1), addr('::1', 1), NO_COOKIE)).length;
    expect(answered).toBe(5);
  });
});

describe('fair table', () => {
  it('keeps counts exact through sets, moves and deletes, and evicts the oldest of the biggest prefix', () => {
    const t = new FairTable<number>(5, 3);
    for (const [k, p] of [['a1', 'p'], ['a2', 'p'], ['a3', 'p'], ['b1', 'q'], ['b2', 'q']] as const) expect(t.set(k, p, 0)).toBeUndefined();
    expect(t.set('c1', 'r', 0)).toMatchObject({ key: 'a1', why: 'table-full' });
    t.delete('b2');
    expect(t.set('b1', 'r', 0)).toBeUndefined(); // moves from q to r
    expect([t.countOf('p'), t.countOf('q'), t.countOf('r'), t.size]).toEqual([2, 0, 2, 4]);
    expect(t.set('c2', 'r', 0)).toBeUndefined();
    expect(t.set('c3', 'r', 0)).toMatchObject({ key: 'c1', why: 'prefix-quota' });
    expect(t.set('d1', 'q', 0)).toMatchObject({ key: 'b1', why: 'table-full' });
    expect([t.countOf('p'), t.countOf('q'), t.countOf('r'), t.size]).toEqual([2, 1, 2, 5]);
});
});
