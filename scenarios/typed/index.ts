// The `typed` suite: peerpy-style typed connections over the secure transport, across a NAT
// with lossy links: accept, deny, strict violation (and non-strict delivery), fixed-size
// streams, max connections, a typed dial timeout, and a peer that vanishes mid-message.
import { addr } from '../../protocol/core/addr.ts';
import { fromHex } from '../../protocol/core/bytes.ts';
import type { LinkConfig, Simulator } from '../../runtime-sim/index.ts';
import { atLeast, atMost, equal } from '../expect.ts';
import type { Scenario } from '../scenario.ts';
import { eventsOf, firstTime, startTyped, TYPED_PORT, type RunningTyped } from './kit.ts';

const LOSS = 0.05;
const lossy: LinkConfig = { latency: { kind: 'uniform', min_ms: 10, max_ms: 20 }, loss: { kind: 'bernoulli', p: LOSS } };
const PUBLIC_IP = '198.51.100.20';

/** A dialer behind a port-restricted NAT, a listener on the internet, 5% loss each way on both links. */
function world(sim: Simulator, listener: Parameters<typeof startTyped>[3] = {}, dialers = 1) {
  const nat = sim.addNat({ name: 'nat', preset: 'port-restricted-cone', realm: sim.internet, externalIps: ['203.0.113.10'], insideSubnet: '10.0.1.0/24' });
  const b = startTyped(sim, sim.addHost({ name: 'b', realm: sim.internet, ips: [PUBLIC_IP], link: lossy }), sim.rng, { name: 'b', ...listener });
  const as: RunningTyped[] = [];
  for (let i = 0; i < dialers; i++) as.push(startTyped(sim, sim.addHost({ name: `a${i}`, realm: nat.inside, ips: [`10.0.1.${10 + i}`], link: lossy }), sim.rng, { name: `a${i}` }));
  return { b, as, target: addr(PUBLIC_IP, TYPED_PORT) };
}

const MESSAGES = 40;

const accept: Scenario = {
  name: 'typed/accept',
  description: `json connection through a NAT at ${LOSS * 100}% loss: HELLO -> ACCEPT, ${MESSAGES} messages each way in order, then a clean close both sides see`,
  suites: ['typed', 'discovery'],
  figures: ['connected_ms', 'a_received', 'b_received', 'in_order', 'a_close', 'b_close'],
  run(sim) {
    const { b, as, target } = world(sim, { decide: (o) => o.options.dataType === 'json' });
    const a = as[0]!;
    sim.at(100, () => a.handle.command({ type: 'connect', remote: target, expectedPeer: fromHex(b.peer.publicKeyHex), options: { dataType: 'json' } }));
    a.handle.onEvent((e) => {
      if (e.type === 'connection') for (let i = 0; i < MESSAGES; i++) a.handle.command({ type: 'send', conn: e.conn, data: { from: 'a', i } });
    });
    b.handle.onEvent((e) => {
      if (e.type === 'connection') for (let i = 0; i < MESSAGES; i++) b.handle.command({ type: 'send', conn: e.conn, data: { from: 'b', i } });
    });
    sim.at(15_000, () => {
      const c = eventsOf(a, 'connection')[0];
      if (c) a.handle.command({ type: 'close', conn: c.conn });
    });
    sim.runUntil(25_000);
    const ra = eventsOf(a, 'data').map((d) => d.data as { from: string; i: number });
    const rb = eventsOf(b, 'data').map((d) => d.data as { from: string; i: number });
    const inOrder = [...ra, ...rb].every((d, k, all) => k === 0 || all[k - 1]!.from !== d.from || all[k - 1]!.i + 1 === d.i);
    return {
      connected_ms: firstTime(a, 'connection') - 100,
      a_received: ra.filter((d) => d.from === 'b').length,
      b_received: rb.filter((d) => d.from === 'a').length,
      in_order: inOrder,
      key_matches: eventsOf(a, 'connection')[0]?.peer_key_hex === b.peer.publicKeyHex,
      a_close: eventsOf(a, 'close')[0]?.error ?? 'none',
      b_close: eventsOf(b, 'close')[0]?.error ?? 'none',
    };
  },
  expectations: [atLeast('connected_ms', 0), equal('a_received', MESSAGES), equal('b_received', MESSAGES), equal('in_order', true), equal('key_matches', true), equal('a_close', 'closed'), equal('b_close', 'closed')],
};

const deny: Scenario = {
  name: 'typed/deny',
  description: 'the listener\'s offer handler refuses bytes connections: the dialer gets close {error: denied, reason: refused}, the listener never opens one',
  suites: ['typed', 'discovery'],
  figures: ['a_close', 'a_reason', 'b_offers', 'b_connections'],
  run(sim) {
    const { b, as, target } = world(sim, { decide: (o) => o.options.dataType === 'json' });
    sim.at(100, () => as[0]!.handle.command({ type: 'connect', remote: target, options: { dataType: 'bytes' } }));
    sim.runUntil(10_000);
    const close = eventsOf(as[0]!, 'close')[0];
    return { a_close: close?.error ?? 'none', a_reason: close?.reason ?? 'none', a_connections: eventsOf(as[0]!, 'connection').length, b_offers: eventsOf(b, 'offer').length, b_connections: eventsOf(b, 'connection').length };
  },
  expectations: [equal('a_close', 'denied'), equal('a_reason', 'refused'), equal('a_connections', 0), equal('b_offers', 1), equal('b_connections', 0)],
};

function strict(isStrict: boolean): Scenario {
  return {
    name: isStrict ? 'typed/strict-violation' : 'typed/non-strict',
    description: isStrict
      ? 'a bytes message on a strict json connection: both sides close with strict-violation (peerpy neither closed nor drained)'
      : 'the same message on a non-strict connection is delivered with its own type and the connection stays open',
    suites: ['typed', 'discovery'],
    figures: ['a_close', 'b_close', 'b_data', 'b_bytes'],
    run(sim) {
      const { b, as, target } = world(sim, { decide: () => true });
      const a = as[0]!;
      sim.at(100, () => a.handle.command({ type: 'connect', remote: target, options: { dataType: 'json', strict: isStrict } }));
      a.handle.onEvent((e) => {
        if (e.type !== 'connection') return;
        a.handle.command({ type: 'send', conn: e.conn, data: { ok: 1 } });
        a.handle.command({ type: 'send', conn: e.conn, data: new Uint8Array([1, 2, 3]), dataType: 'bytes' });
        a.handle.command({ type: 'send', conn: e.conn, data: { ok: 2 } });
      });
      sim.runUntil(15_000);
      const bData = eventsOf(b, 'data');
      return {
        a_close: eventsOf(a, 'close')[0]?.error ?? 'none',
        b_close: eventsOf(b, 'close')[0]?.error ?? 'none',
        b_data: bData.length,
        b_bytes: bData.filter((d) => d.dataType === 'bytes').length,
      };
    },
    expectations: isStrict
      ? [equal('a_close', 'strict-violation'), equal('b_close', 'strict-violation'), equal('b_data', 1), equal('b_bytes', 0)]
      : [equal('a_close', 'none'), equal('b_close', 'none'), equal('b_data', 3), equal('b_bytes', 1)],
  };
}

const FRAME = 1024;
const FRAMES = 64;
const stream: Scenario = {
  name: 'typed/stream-fixed',
  description: `bytes stream with dataSize ${FRAME}: ${FRAMES} frames arrive whole and in order; a ${FRAME - 24}-byte frame is refused locally with frame-size and the stream goes on`,
  suites: ['typed', 'discovery'],
  figures: ['frames', 'sizes_ok', 'refused', 'refused_error'],
  run(sim) {
    const { b, as, target } = world(sim, { decide: () => true });
    const a = as[0]!;
    sim.at(100, () => a.handle.command({ type: 'connect', remote: target, options: { dataType: 'bytes', stream: true, dataSize: FRAME } }));
    a.handle.onEvent((e) => {
      if (e.type !== 'connection') return;
      for (let i = 0; i < FRAMES; i++) {
        if (i === FRAMES / 2) a.handle.command({ type: 'send', conn: e.conn, data: new Uint8Array(FRAME - 24) });
        a.handle.command({ type: 'send', conn: e.conn, data: new Uint8Array(FRAME).fill(i) });
      }
    });
    sim.runUntil(20_000);
    const frames = eventsOf(b, 'data').map((d) => d.data as Uint8Array);
    const failed = eventsOf(a, 'send-failed');
    return {
      frames: frames.length,
      sizes_ok: frames.every((f, i) => f.byteLength === FRAME && f[0] === i),
      refused: failed.length,
      refused_error: failed[0]?.error ?? 'none',
      b_close: eventsOf(b, 'close')[0]?.error ?? 'none',
    };
  },
  expectations: [equal('frames', FRAMES), equal('sizes_ok', true), equal('refused', 1), equal('refused_error', 'frame-size'), equal('b_close', 'none')],
};

const maxConnections: Scenario = {
  name: 'typed/max-connections',
  description: 'a listener with maxConnections 2 and three dialers: two connections open, the third is denied with max-connections',
  suites: ['typed', 'discovery'],
  figures: ['b_connections', 'denied', 'denied_reason'],
  run(sim) {
    const { b, as, target } = world(sim, { decide: () => true, max_connections: 2 }, 3);
    as.forEach((a, i) => sim.at(100 + i * 1_500, () => a.handle.command({ type: 'connect', remote: target })));
    sim.runUntil(15_000);
    const closes = as.flatMap((a) => eventsOf(a, 'close'));
    return {
      b_connections: eventsOf(b, 'connection').length,
      a_connections: as.reduce((n, a) => n + eventsOf(a, 'connection').length, 0),
      denied: closes.filter((c) => c.error === 'denied').length,
      denied_reason: closes.find((c) => c.error === 'denied')?.reason ?? 'none',
    };
  },
  expectations: [equal('b_connections', 2), equal('a_connections', 2), equal('denied', 1), equal('denied_reason', 'max-connections')],
};

const timeout: Scenario = {
  name: 'typed/dial-timeout',
  description: 'a dial to an address where nothing answers fails with the typed timeout after hello_timeout_ms (5 s)',
  suites: ['typed', 'discovery'],
  figures: ['a_close', 'after_ms'],
  run(sim) {
    const { as } = world(sim, {});
    const a = as[0]!;
    sim.at(100, () => a.handle.command({ type: 'connect', remote: addr('198.51.100.99', TYPED_PORT) }));
    sim.runUntil(10_000);
    return { a_close: eventsOf(a, 'close')[0]?.error ?? 'none', after_ms: firstTime(a, 'close') - 100 };
  },
  expectations: [equal('a_close', 'timeout'), atLeast('after_ms', 5_000), atMost('after_ms', 5_001)],
};

const BIG = 256 * 1024;
const vanish: Scenario = {
  name: 'typed/vanish-mid-message',
  description: `a ${BIG / 1024} KiB value message is cut off by the listener vanishing mid-transfer: both sides report close {error: transport}, no torn message is ever delivered`,
  suites: ['typed', 'discovery'],
  figures: ['b_data', 'a_close', 'b_close'],
  run(sim) {
    const rudp = { idle_timeout_ms: 4_000 };
    const nat = sim.addNat({ name: 'nat', preset: 'port-restricted-cone', realm: sim.internet, externalIps: ['203.0.113.10'], insideSubnet: '10.0.1.0/24' });
    const slow: LinkConfig = { latency: { kind: 'fixed', ms: 20 }, bandwidth_bps: 2_000_000, queue_bytes: 64 * 1024 };
    const b = startTyped(sim, sim.addHost({ name: 'b', realm: sim.internet, ips: [PUBLIC_IP], link: slow }), sim.rng, { decide: () => true, rudp });
    const a = startTyped(sim, sim.addHost({ name: 'a', realm: nat.inside, ips: ['10.0.1.10'], link: slow }), sim.rng, { rudp });
    sim.at(100, () => a.handle.command({ type: 'connect', remote: addr(PUBLIC_IP, TYPED_PORT), options: { dataType: 'value' } }));
    let sentAt = -1;
    a.handle.onEvent((e) => {
      if (e.type !== 'connection') return;
      sentAt = sim.now;
      a.handle.command({ type: 'send', conn: e.conn, data: { blob: new Uint8Array(BIG), note: 'whole or nothing' } });
      // 256 KiB at 2 Mbit/s takes about a second: vanish half-way.
      sim.partition({ a: ['b'], b: ['a', 'nat'], from: sim.now + 500 });
    });
    sim.runUntil(20_000);
    return {
      sent: sentAt >= 0,
      b_data: eventsOf(b, 'data').length,
      a_close: eventsOf(a, 'close')[0]?.error ?? 'none',
      b_close: eventsOf(b, 'close')[0]?.error ?? 'none',
    };
  },
  expectations: [equal('sent', true), equal('b_data', 0), equal('a_close', 'transport'), equal('b_close', 'transport')],
};

export const typedScenarios: Scenario[] = [accept, deny, strict(true), strict(false), stream, maxConnections, timeout, vanish];
