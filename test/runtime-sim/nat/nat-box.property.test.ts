// fast-check properties of NatBox, each checked against an oracle written plainly here from
// RFC 4787's definitions (not from the implementation): filtering never admits what it
// forbids, EIM keeps one external endpoint per internal endpoint, the session table stays
// within sessions_max, and the same traffic with the same seed gives the same answers.
import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { formatAddr, type Addr } from '../../../protocol/core/addr.ts';
import type { NatConfig } from '../../../runtime-sim/nat/config.ts';
import { NatBox } from '../../../runtime-sim/nat/nat-box.ts';
import { a, EXT, ext, testRng } from './helpers.ts';

const INTERNALS = ['10.0.0.2:4000', '10.0.0.2:4001', '10.0.0.3:4000'].map(a);
const REMOTES = ['198.51.100.1:1000', '198.51.100.1:2000', '198.51.100.2:1000', '198.51.100.2:2000'].map(a);
const TIMEOUT_MS = 1000;

const behaviour = fc.constantFrom('endpoint-independent', 'address-dependent', 'address-and-port-dependent' as const);

interface ConfigOptions {
  readonly clash: boolean;
  readonly stream: boolean;
  readonly refreshBoth: boolean;
  readonly sessionsMax: number;
}

const configArb = (o: Partial<Record<keyof ConfigOptions, fc.Arbitrary<unknown>>> = {}): fc.Arbitrary<NatConfig> =>
  fc
    .record({
      mapping: behaviour,
      filtering: behaviour,
      kind: fc.constantFrom('preserve', 'sequential', 'random' as const),
      fallback: fc.constantFrom('sequential', 'random' as const),
      refreshBoth: (o.refreshBoth as fc.Arbitrary<boolean>) ?? fc.boolean(),
      stream: (o.stream as fc.Arbitrary<boolean>) ?? fc.boolean(),
      firewall: fc.boolean(),
      clash: (o.clash as fc.Arbitrary<boolean>) ?? fc.boolean(),
      sessionsMax: (o.sessionsMax as fc.Arbitrary<number>) ?? fc.constant(1000),
      perHost: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    })
    .map((r) => ({
      mapping: r.mapping,
      filtering: r.filtering,
      // A small range so ports get reused and allocation runs out now and then.
      port_assignment: { kind: r.kind, min_port: 3999, max_port: 4010, fallback: r.fallback },
      ip_pooling: 'paired',
      binding_timeout_ms: TIMEOUT_MS,
      ...(r.stream ? { stream_timeout_ms: 2 * TIMEOUT_MS } : {}),
      refresh: r.refreshBoth ? 'both' : 'outbound',
      hairpinning: 'external-source',
      inbound_firewall: r.firewall,
      sessions_max: r.sessionsMax,
      conntrack_clash: r.clash,
      ...(r.perHost !== undefined ? { ports_per_host_max: r.perHost } : {}),
    }));

/** One step of traffic: time passes, then one datagram crosses the NAT. */
type Step =
  | { readonly dt: number; readonly dir: 'out'; readonly internal: number; readonly remote: number }
  | { readonly dt: number; readonly dir: 'in'; readonly port: number; readonly remote: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    dt: fc.integer({ min: 0, max: 700 }),
    dir: fc.constant('out' as const),
    internal: fc.integer({ min: 0, max: INTERNALS.length - 1 }),
    remote: fc.integer({ min: 0, max: REMOTES.length - 1 }),
  }),
  fc.record({
    dt: fc.integer({ min: 0, max: 700 }),
    dir: fc.constant('in' as const),
    port: fc.integer({ min: 3999, max: 4010 }),
    remote: fc.integer({ min: 0, max: REMOTES.length - 1 }),
  }),
);

const traffic = fc.array(stepArb, { minLength: 1, maxLength: 120 });

/**
 * The oracle's memory: for each (internal, external, remote) the last time the flow was active
 * in a way that may keep the NAT's permission alive (outbound always; admitted inbound too
 * when the config refreshes both ways).
 */
class FlowLog {
  private readonly last = new Map<string, { internal: Addr; external: Addr; remote: Addr; t: number }>();
  note(internal: Addr, external: Addr, remote: Addr, t: number): void {
    this.last.set(`${formatAddr(internal)}|${formatAddr(external)}|${formatAddr(remote)}`, { internal, external, remote, t });
  }
  /** Flows of `internal` through `external` whose last activity is younger than `life_ms`. */
  live(internal: Addr, external: Addr, now: number, life_ms: number): Addr[] {
    const out: Addr[] = [];
    for (const f of this.last.values()) {
      if (f.internal === internal && formatAddr(f.external) === formatAddr(external) && now - f.t < life_ms) out.push(f.remote);
    }
    return out;
  }
}

function run(config: NatConfig, steps: readonly Step[], seed: number, visit: (step: Step, now: number, result: unknown, box: NatBox) => void): void {
  const box = new NatBox(config, [EXT], testRng(seed), 'prop', { events: false });
  let now = 0;
  for (const step of steps) {
    now += step.dt;
    const result =
      step.dir === 'out'
        ? box.outbound(now, INTERNALS[step.internal]!, REMOTES[step.remote]!)
        : box.inbound(now, a(`${EXT}:${step.port}`), REMOTES[step.remote]!);
    visit(step, now, result, box);
  }
}

describe('NatBox properties', () => {
  test.prop([configArb(), traffic, fc.integer()])(
    'never admits an inbound datagram its filtering forbids',
    (config, steps, seed) => {
      const log = new FlowLog();
      const life_ms = Math.max(config.binding_timeout_ms, config.stream_timeout_ms ?? 0);
      run(config, steps, seed, (step, now, result) => {
        const remote = REMOTES[step.remote]!;
        if (step.dir === 'out') {
          if (!('drop' in (result as object))) log.note(INTERNALS[step.internal]!, (result as { external: Addr }).external, remote, now);
          return;
        }
        if ('drop' in (result as object)) return;
        const internal = INTERNALS.find((i) => formatAddr(i) === formatAddr((result as { internal: Addr }).internal))!;
        const external = a(`${EXT}:${step.port}`);
        const flows = log.live(internal, external, now, life_ms);
        // Whatever the filtering, the inside host must have sent through this external port lately.
        expect(flows.length, 'admitted through a port with no live outbound flow').toBeGreaterThan(0);
        if (config.filtering === 'address-dependent') {
          expect(flows.some((r) => r.ip === remote.ip), 'ADF admitted an IP never sent to').toBe(true);
        }
        if (config.filtering === 'address-and-port-dependent') {
          expect(flows.some((r) => formatAddr(r) === formatAddr(remote)), 'APDF admitted an ip:port never sent to').toBe(true);
        }
        if (config.refresh === 'both') log.note(internal, external, remote, now);
      });
    },
  );

  test.prop([configArb({ clash: fc.constant(false), stream: fc.constant(false), refreshBoth: fc.constant(false) }), traffic, fc.integer()])(
    'with outbound refresh and no clash, admits exactly what RFC 4787 filtering allows',
    (config, steps, seed) => {
      const log = new FlowLog();
      // Which internal endpoint each external port was last handed to.
      const owner = new Map<number, Addr>();
      run(config, steps, seed, (step, now, result) => {
        const remote = REMOTES[step.remote]!;
        if (step.dir === 'out') {
          if ('drop' in (result as object)) return;
          const external = (result as { external: Addr }).external;
          owner.set(external.port, INTERNALS[step.internal]!);
          log.note(INTERNALS[step.internal]!, external, remote, now);
          return;
        }
        const internal = owner.get(step.port);
        const flows = internal === undefined ? [] : log.live(internal, a(`${EXT}:${step.port}`), now, TIMEOUT_MS);
        const allowed =
          flows.length > 0 &&
          (config.filtering === 'endpoint-independent' ||
            (config.filtering === 'address-dependent' && flows.some((r) => r.ip === remote.ip)) ||
            flows.some((r) => formatAddr(r) === formatAddr(remote)));
        if (allowed) expect(result).toEqual({ internal });
        else expect('drop' in (result as object)).toBe(true);
      });
    },
  );

  // The conntrack clash deliberately moves single flows, so EIM holds where it cannot happen.
  const noClash = configArb().filter((c) => !c.conntrack_clash || c.inbound_firewall);

  test.prop([noClash.map((c) => ({ ...c, mapping: 'endpoint-independent' as const })), traffic, fc.integer()])(
    'EIM maps one internal endpoint to one external endpoint whatever the destination',
    (config, steps, seed) => {
      const current = new Map<Addr, { external: string; lastOut: number }>();
      run(config, steps, seed, (step, now, result) => {
        if (step.dir !== 'out' || 'drop' in (result as object)) return;
        const internal = INTERNALS[step.internal]!;
        const external = formatAddr((result as { external: Addr }).external);
        const seen = current.get(internal);
        // The mapping certainly lives if this endpoint sent anything less than a timeout ago
        // (inbound refresh can only make it live longer).
        if (seen !== undefined && now - seen.lastOut < config.binding_timeout_ms) expect(external).toBe(seen.external);
        // No two live internal endpoints share an external endpoint (no port overloading).
        for (const [other, m] of current) {
          if (other !== internal && m.external === external && now - m.lastOut < config.binding_timeout_ms) {
            throw new Error(`${external} shared by ${formatAddr(other)} and ${formatAddr(internal)}`);
          }
        }
        current.set(internal, { external, lastOut: now });
      });
    },
  );

  test.prop([noClash.map((c) => ({ ...c, mapping: 'address-and-port-dependent' as const })), traffic, fc.integer()])(
    'APDM never shares an external endpoint between two live remotes',
    (config, steps, seed) => {
      // external endpoint -> the flow that got it and when it last sent.
      const holder = new Map<string, { flow: string; lastOut: number }>();
      run(config, steps, seed, (step, now, result) => {
        if (step.dir !== 'out' || 'drop' in (result as object)) return;
        const flow = `${step.internal}>${step.remote}`;
        const external = formatAddr((result as { external: Addr }).external);
        const seen = holder.get(external);
        if (seen !== undefined && seen.flow !== flow && now - seen.lastOut < config.binding_timeout_ms) {
          throw new Error(`${external} given to ${flow} while ${seen.flow} is live`);
        }
        holder.set(external, { flow, lastOut: now });
      });
    },
  );

  test.prop([configArb().map((c) => ({ ...c, inbound_firewall: true })), traffic, fc.integer()])(
    'behind an inbound firewall, a refused datagram leaves no state',
    (config, steps, seed) => {
      let before = 0;
      const box = new NatBox(config, [EXT], testRng(seed), 'fw', { events: false });
      let now = 0;
      for (const step of steps) {
        now += step.dt;
        box.expire(now);
        before = box.sessionCount;
        if (step.dir === 'out') box.outbound(now, INTERNALS[step.internal]!, REMOTES[step.remote]!);
        else {
          const verdict = box.inbound(now, a(`${EXT}:${step.port}`), REMOTES[step.remote]!);
          if ('drop' in verdict) {
            expect(verdict.drop).toBe('nat-filtered');
            expect(box.sessionCount).toBe(before);
          }
        }
      }
    },
  );

  test.prop([configArb({ sessionsMax: fc.integer({ min: 1, max: 6 }) }), traffic, fc.integer()])(
    'the table never exceeds sessions_max, and mappings never outnumber sessions',
    (config, steps, seed) => {
      run(config, steps, seed, (_step, now, _result, box) => {
        expect(box.sessionCount).toBeLessThanOrEqual(config.sessions_max);
        expect(box.mappingCount).toBeLessThanOrEqual(box.sessionCount);
        const next = box.nextExpiry();
        if (next !== undefined) expect(next).toBeGreaterThan(now);
        else expect(box.sessionCount).toBe(0);
      });
    },
  );

  test.prop([configArb(), traffic, fc.integer()])('same traffic and seed, same answers and events', (config, steps, seed) => {
    const record = (): unknown[] => {
      const out: unknown[] = [];
      const box = new NatBox(config, [EXT], testRng(seed), 'det');
      let now = 0;
      for (const step of steps) {
        now += step.dt;
        out.push(
          step.dir === 'out'
            ? box.outbound(now, INTERNALS[step.internal]!, REMOTES[step.remote]!)
            : box.inbound(now, a(`${EXT}:${step.port}`), REMOTES[step.remote]!),
        );
        for (let e = box.pollNatEvent(); e !== undefined; e = box.pollNatEvent()) out.push(e);
      }
      return out;
    };
    expect(record()).toEqual(record());
  });

  test.prop([
    fc.array(
      fc.record({
        dt: fc.integer({ min: 0, max: 700 }),
        dir: fc.constantFrom('out', 'in' as const),
        remote: fc.integer({ min: 0, max: REMOTES.length - 1 }),
        port: fc.oneof(fc.constant(4000), fc.integer({ min: 3999, max: 4010 })),
      }),
      { minLength: 1, maxLength: 120 },
    ),
    fc.integer(),
  ])('Linux clash: a new flow keeps its port unless that remote was refused on it within the timeout', (steps, seed) => {
    const config: NatConfig = {
      mapping: 'endpoint-independent',
      filtering: 'address-and-port-dependent',
      port_assignment: { kind: 'preserve', min_port: 3999, max_port: 4010, fallback: 'random' },
      ip_pooling: 'paired',
      binding_timeout_ms: TIMEOUT_MS,
      refresh: 'outbound',
      hairpinning: 'none',
      inbound_firewall: false,
      sessions_max: 1000,
      conntrack_clash: true,
    };
    const inside = a('10.0.0.2:4000');
    const box = new NatBox(config, [EXT], testRng(seed), 'clash', { events: false });
    const refusedAt = new Map<number, number>(); // remote index -> last refusal on port 4000
    const flow = new Map<number, { port: number; lastOut: number }>(); // remote index -> live flow
    let now = 0;
    for (const step of steps) {
      now += step.dt;
      const remote = REMOTES[step.remote]!;
      if (step.dir === 'in') {
        const verdict = box.inbound(now, a(`${EXT}:${step.port}`), remote);
        if ('drop' in verdict && step.port === 4000) refusedAt.set(step.remote, now);
        continue;
      }
      const port = ext(box.outbound(now, inside, remote)).port;
      const live = flow.get(step.remote);
      if (live !== undefined && now - live.lastOut < TIMEOUT_MS) {
        expect(port, 'a live flow keeps its port').toBe(live.port);
      } else {
        const refused = refusedAt.get(step.remote);
        const clash = refused !== undefined && now - refused < TIMEOUT_MS;
        if (clash) expect(port).not.toBe(4000);
        else expect(port).toBe(4000);
      }
      flow.set(step.remote, { port, lastOut: now });
    }
  });

  test.prop([configArb(), traffic, fc.integer()])(
    'events are well formed: each nat-expire closes an earlier nat-map, times in order, counts agree, quotas hold',
    (config, steps, seed) => {
      const box = new NatBox(config, [EXT], testRng(seed), 'events');
      const open = new Map<string, number>(); // external -> nat-map time
      const perHost = new Map<string, number>(); // internal IP -> live mappings
      let lastExpire = -Infinity;
      let now = 0;
      for (const step of steps) {
        now += step.dt;
        if (step.dir === 'out') box.outbound(now, INTERNALS[step.internal]!, REMOTES[step.remote]!);
        else box.inbound(now, a(`${EXT}:${step.port}`), REMOTES[step.remote]!);
        for (let e = box.pollNatEvent(); e !== undefined; e = box.pollNatEvent()) {
          const key = formatAddr(e.external);
          if (e.kind === 'nat-map') {
            expect(open.has(key), `${key} mapped twice`).toBe(false);
            expect(e.at).toBe(now);
            open.set(key, e.at);
            perHost.set(e.internal.ip, (perHost.get(e.internal.ip) ?? 0) + 1);
            expect(perHost.get(e.internal.ip)!).toBeLessThanOrEqual(config.ports_per_host_max ?? Infinity);
          } else {
            expect(open.has(key), `${key} expired but never mapped`).toBe(true);
            expect(e.at).toBeGreaterThan(open.get(key)!);
            expect(e.at).toBeLessThanOrEqual(now);
            expect(e.at).toBeGreaterThanOrEqual(lastExpire);
            lastExpire = e.at;
            open.delete(key);
            perHost.set(e.internal.ip, perHost.get(e.internal.ip)! - 1);
          }
        }
        expect(box.mappingCount).toBe(open.size);
      }
    },
  );

  // Any address the network can produce, including port 0 and IPv6, through every entry point.
  const anyAddr = fc.oneof(
    fc.record({ ip: fc.ipV4(), port: fc.integer({ min: 0, max: 65_535 }) }).map((r) => a(`${r.ip}:${r.port}`)),
    fc.record({ ip: fc.ipV6(), port: fc.integer({ min: 0, max: 65_535 }) }).map((r) => a(`[${r.ip}]:${r.port}`)),
    fc.integer({ min: 0, max: 65_535 }).map((port) => a(`${EXT}:${port}`)),
  );
  const call = fc.record({
    dt: fc.integer({ min: 0, max: 2000 }),
    kind: fc.constantFrom('out', 'in', 'hairpin', 'expire'),
    x: anyAddr,
    y: anyAddr,
  });
  test.prop([configArb({ sessionsMax: fc.integer({ min: 1, max: 8 }) }), fc.array(call, { maxLength: 80 }), fc.integer()])(
    'never throws, whatever addresses and call order the network produces',
    (config, calls, seed) => {
      const box = new NatBox(config, [EXT, '2001:db8::10'], testRng(seed), 'fuzz');
      let now = 0;
      for (const c of calls) {
        now += c.dt;
        if (c.kind === 'out') box.outbound(now, c.x, c.y);
        else if (c.kind === 'in') box.inbound(now, c.x, c.y);
        else if (c.kind === 'hairpin') box.hairpin(now, c.x, c.y);
        else box.expire(now);
        while (box.pollNatEvent() !== undefined);
        // A call that does not touch the table leaves due entries for expire() to collect.
        if ((box.nextExpiry() ?? Infinity) <= now) box.expire(now);
        expect(box.nextExpiry() ?? Infinity).toBeGreaterThan(now);
        expect(box.sessionCount).toBeLessThanOrEqual(config.sessions_max);
      }
    },
  );
});
