// The attack suite's own instruments, and its transfer scenario end to end:
//   - the reply ledger attributes bytes to forged sources, computes the worst ratio per type and
//     adds up answers per source prefix;
//   - the table watch reports a table over its named limit;
//   - the forged sources really span the prefixes they claim and collide with no real host;
//   - every crafted low-order initiation carries a valid mac1 and a key no DH accepts;
//   - attack/live-transfer-1mib passes and gives the same trace twice (seed below).
import { describe, expect, it } from 'vitest';
import { addr } from '../../protocol/core/addr.ts';
import { nobleCrypto } from '../../protocol/core/noble-crypto.ts';
import { CookieChecker, cookieKeys } from '../../protocol/rudp/cookie.ts';
import { DEFAULT_CONFIG } from '../../protocol/rudp/config.ts';
import { decodePacket } from '../../protocol/rudp/packet.ts';
import { rootRng, Simulator } from '../../runtime-sim/index.ts';
import type { RendezvousServer } from '../../protocol/punch/rendezvous-server.ts';
import { registry } from '../../scenarios/index.ts';
import { runScenario } from '../../scenarios/runner.ts';
import { LOW_ORDER_POINTS_HEX, lowOrderInitiations } from '../../scenarios/attack/low-order.ts';
import { SERVER_IP, STRANGER_IPS } from '../../scenarios/attack/punch-peers.ts';
import { prefixOf, RATIO_EXEMPT, ReplyLedger } from '../../scenarios/attack/reply-ledger.ts';
import { spoofedSources } from '../../scenarios/attack/spoofed-flood.ts';
import { watchTables } from '../../scenarios/attack/table-limits.ts';

const SEED = 3;

describe('reply ledger', () => {
  it('takes the worse of the largest single reply and the total, per source, per type', () => {
    const ledger = new ReplyLedger();
    const a = addr('44.0.0.1', 4444);
    const b = addr('44.0.1.1', 4444);
    ledger.request(a, 'lookup', 40);
    ledger.request(a, 'lookup', 40);
    ledger.reply(a, 60); // one reply 1.5x its request, total 60/80
    ledger.request(b, 'lookup', 50);
    ledger.reply(b, 30);
    ledger.reply(b, 30); // two replies: total 60/50 = 1.2x
    const f = ledger.figures('lookup');
    expect(f.sources).toBe(2);
    expect(f.requests).toBe(3);
    expect(f.worst_ratio).toBeCloseTo(1.5);
    expect(f.reply_bytes_max).toBe(60);
    expect(ledger.figures('connect').requests).toBe(0);
  });

  it('counts bytes to never-used addresses as unsolicited and leaves exempt types out of totals', () => {
    const ledger = new ReplyLedger();
    const s = addr('46.0.0.1', 4444);
    ledger.request(s, 'stun-binding', 20);
    ledger.reply(s, 64);
    ledger.reply(addr('46.9.9.9', 4444), 10);
    expect(ledger.unsolicited_bytes).toBe(10);
    expect(ledger.totals(RATIO_EXEMPT)).toEqual({ request_bytes: 0, reply_bytes: 10 });
    expect(ledger.totals()).toEqual({ request_bytes: 20, reply_bytes: 74 });
  });

  it('adds up answers per /24 and per /64, whatever the addresses inside', () => {
    const ledger = new ReplyLedger();
    for (const ip of ['45.0.1.1', '45.0.1.200', '2001:db8:3::1', '2001:db8:3::ffff:1', '2001:db8:4::1']) {
      ledger.request(addr(ip, 4444), 'register', 50);
      ledger.reply(addr(ip, 4444), 21);
    }
    ledger.request(addr('45.0.1.7', 4444), 'stun-binding', 20);
    ledger.reply(addr('45.0.1.7', 4444), 64);
    const counts = ledger.repliesPerPrefix(new Set(['register']));
    expect(counts.get(prefixOf('45.0.1.9'))).toBe(2);
    expect(counts.get(prefixOf('2001:db8:3::9'))).toBe(2);
    expect(counts.get(prefixOf('2001:db8:4::9'))).toBe(1);
    expect(counts.size).toBe(3);
    expect(prefixOf('45.0.1.9')).toBe('45.0.1.0/24');
  });

  it('refuses a source that changes request type (its replies could not be attributed)', () => {
    const ledger = new ReplyLedger();
    ledger.request(addr('44.0.0.1', 1), 'register', 50);
    expect(() => ledger.request(addr('44.0.0.1', 1), 'connect', 50)).toThrow(RangeError);
  });
});

describe('table watch', () => {
  it('reports a table whose size passed its named config limit', () => {
    const sim = new Simulator({ seed: SEED });
    const fake = { config: { registrations_max: 4, circuits_max: 10 }, counters: { registrations: 5, circuits: 3 }, registry: {} };
    const watch = watchTables(sim, fake as unknown as RendezvousServer, 100);
    sim.runUntil(100);
    expect(watch.overLimit()).toEqual(['registrations reached 5 > limit 4']);
    expect(watch.summary()).toBe('registrations 5/4, circuits 3/10');
  });
});

describe('forged sources', () => {
  it('spread over the /24s and /64s they claim, unique, clear of the real hosts', () => {
    const s = spoofedSources({ sources: 4_000, probe_sources_per_type: 32 }, ['connect', 'lookup']);
    expect(s.flood).toHaveLength(4_000);
    const ips = new Set(s.ips);
    expect(ips.size).toBe(s.ips.length);
    expect(s.ips).toHaveLength(4_000 + 64);
    for (const real of [SERVER_IP, ...STRANGER_IPS]) expect(ips.has(real)).toBe(false);
    const v4 = new Set(s.flood.filter((a) => a.family === 4).map((a) => a.ip.split('.').slice(0, 3).join('.')));
    const v6 = new Set(s.flood.filter((a) => a.family === 6).map((a) => a.ip.split('::')[0]));
    expect(v4.size).toBe(s.v4_prefixes);
    expect(v6.size).toBe(s.v6_prefixes);
    expect(s.v4_prefixes).toBe(2_000 + 4);
    expect(s.v6_prefixes).toBe(4);
  });
});

describe('low-order initiations', () => {
  const packets = lowOrderInitiations(0x1000);
  const checker = new CookieChecker(nobleCrypto, rootRng(SEED), cookieKeys(nobleCrypto, DEFAULT_CONFIG.network_key), 120_000);

  it('one per point, each with a valid mac1 under the default network key', () => {
    expect(packets).toHaveLength(LOW_ORDER_POINTS_HEX.length);
    packets.forEach((data, i) => {
      const p = decodePacket(data);
      if (p.kind !== 'initiation') throw new Error(`packet ${i} decodes as ${p.kind}`);
      expect(Buffer.from(p.noise).toString('hex')).toBe(LOW_ORDER_POINTS_HEX[i]);
      expect(p.sender).toBe(0x1000 + i);
      expect(checker.checkMac1(p)).toBe(true);
    });
  });

  it('every point is refused by X25519 or gives the all-zero secret (RFC 7748 section 6.1)', () => {
    const secret = rootRng(SEED).nextBytes(32);
    for (const hex of LOW_ORDER_POINTS_HEX) {
      let shared: Uint8Array | undefined;
      try {
        shared = nobleCrypto.x25519(secret, Buffer.from(hex, 'hex'));
      } catch {
        continue; // the provider refused it: low order
      }
      expect(shared.every((b) => b === 0), `point ${hex}`).toBe(true);
    }
  });
});

describe('attack/live-transfer-1mib', () => {
  it(`finishes the pinned transfer under attack, identically twice (seed ${SEED})`, async () => {
    const scenario = registry.scenario('attack/live-transfer-1mib');
    expect(scenario).toBeDefined();
    const result = await runScenario(scenario!, SEED, { checkDeterminism: true });
    const why = [...result.failures.map((f) => `${f.expectation}: ${f.why}`), result.error ?? ''].filter(Boolean);
    expect(why, `reproduce: ${result.reproduce}`).toEqual([]);
    expect(result.determinism?.identical, `reproduce: ${result.reproduce}`).toBe(true);
    expect(result.outcome.sha256_equal).toBe(true);
  });
});
