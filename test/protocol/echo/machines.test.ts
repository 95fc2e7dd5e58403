// Echo client + server wired through a tiny in-test network (a time-ordered delivery list),
// so the machines are checked without the simulator: RTT figures, loss, duplicates,
// reordering, late replies, bounded tables and hostile input.
import { describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { addr, formatAddr, type Addr } from '../../../protocol/core/addr.ts';
import { testRng } from '../core/test-rng.ts';
import type { Machine } from '../../../protocol/core/machine.ts';
import { checked } from '../../../protocol/core/checked-machine.ts';
import { EchoClient } from '../../../protocol/echo/client.ts';
import { EchoServer } from '../../../protocol/echo/server.ts';
import { encodeEcho } from '../../../protocol/echo/codec.ts';
import type { EchoClientConfig } from '../../../protocol/echo/config.ts';
import { EchoConfigError } from '../../../protocol/echo/config.ts';

const CLIENT = addr('10.0.0.1', 4000);
const SERVER = addr('10.0.0.2', 7);

/** Decides the fate of each datagram: a list of delays (empty = lost, two = duplicated). */
type Fate = (from: Addr, index: number) => number[];

interface Pending {
  at: number;
  order: number;
  to: 'client' | 'server';
  from: Addr;
  data: Uint8Array;
}

/**
 * Runs client and server until `end_ms`, delivering datagrams per `fate`. Both machines run
 * under the contract checker, whose spin guard also bounds this loop.
 */
function runPair(config: Partial<EchoClientConfig>, fate: Fate, end_ms: number, seed = 1) {
  const clientMachine = new EchoClient({ server: SERVER, ...config }, testRng(seed));
  const serverMachine = new EchoServer();
  const client = checked(clientMachine, `echo client (seed ${seed})`);
  const server = checked(serverMachine, 'echo server');
  const pending: Pending[] = [];
  let order = 0;
  let index = 0;
  const events: Array<{ type: string }> = [];
  const flush = (machine: Machine<unknown, { type: string }>, self: 'client' | 'server', now: number) => {
    for (let t = machine.pollTransmit(); t; t = machine.pollTransmit()) {
      const from = self === 'client' ? CLIENT : SERVER;
      for (const delay of fate(from, index++)) {
        pending.push({ at: now + delay, order: order++, to: self === 'client' ? 'server' : 'client', from, data: t.data });
      }
    }
    for (let e = machine.pollEvent(); e; e = machine.pollEvent()) if (self === 'client') events.push(e);
  };
  client.handleCommand(0, { type: 'start' });
  flush(client, 'client', 0);
  for (;;) {
    pending.sort((a, b) => a.at - b.at || a.order - b.order);
    const timer = client.pollTimeout();
    const next = pending[0];
    if (next && (timer === undefined || next.at < timer)) {
      if (next.at > end_ms) break;
      pending.shift();
      if (next.to === 'server') {
        server.handleDatagram(next.at, next.from, next.data, SERVER);
        flush(server, 'server', next.at);
      } else {
        client.handleDatagram(next.at, next.from, next.data, CLIENT);
        flush(client, 'client', next.at);
      }
    } else if (timer !== undefined && timer <= end_ms) {
      client.handleTimeout(timer);
      flush(client, 'client', timer);
    } else break;
  }
  return { client: clientMachine, server: serverMachine, events };
}

describe('echo client and server', () => {
  it('measures a fixed 20 ms RTT exactly with no loss', () => {
    const { client, events } = runPair({ count: 50, interval_ms: 10 }, () => [10], 10_000);
    const stats = client.stats();
    expect(stats.sent).toBe(50);
    expect(stats.answered).toBe(50);
    expect(stats.lost).toBe(0);
    expect(stats.loss_ratio).toBe(0);
    expect(stats.rtt).toMatchObject({ samples: 50, min_ms: 20, mean_ms: 20, p50_ms: 20, p99_ms: 20, max_ms: 20 });
    expect(events.filter((e) => e.type === 'pong')).toHaveLength(50);
    expect(events.at(-1)?.type).toBe('echo-done');
  });

  it('computes percentiles over varying RTTs', () => {
    // one-way delay grows with the datagram index: RTTs 1+2, 3+4, ... (ms)
    const { client } = runPair({ count: 100, interval_ms: 1_000, timeout_ms: 900 }, (_f, i) => [i + 1], 200_000);
    const rtt = client.stats().rtt;
    expect(rtt.min_ms).toBe(3);
    expect(rtt.max_ms).toBe(399);
    expect(rtt.p50_ms).toBe(199); // 50th of 100 sorted values 3,7,...,399
    expect(rtt.p99_ms).toBe(395);
    expect(rtt.mean_ms).toBe(201);
  });

  it('counts every other ping lost as 50% loss', () => {
    // drop pings with even index: datagram indexes alternate ping, pong when all delivered
    let pingIndex = 0;
    const { client } = runPair({ count: 40 }, (from) => (from === CLIENT && pingIndex++ % 2 === 0 ? [] : [5]), 60_000);
    const stats = client.stats();
    expect(stats.lost).toBe(20);
    expect(stats.answered).toBe(20);
    expect(stats.loss_ratio).toBe(0.5);
    expect(stats.pending).toBe(0);
  });

  it('counts duplicated pongs and reordered pongs', () => {
    // every pong is duplicated; pongs of even pings are delayed past the next one
    let pong = 0;
    const { client } = runPair({ count: 20, interval_ms: 10 }, (from) => {
      if (from === CLIENT) return [1];
      return pong++ % 2 === 0 ? [25, 26] : [1, 2];
    }, 10_000);
    const stats = client.stats();
    expect(stats.answered).toBe(20);
    expect(stats.duplicates).toBe(20);
    expect(stats.reordered).toBe(10);
  });

  it('counts a pong after its timeout as late, and the ping as lost', () => {
    const { client } = runPair({ count: 5, timeout_ms: 100 }, (from) => (from === CLIENT ? [80] : [80]), 10_000);
    const stats = client.stats();
    expect(stats.lost).toBe(5);
    expect(stats.late).toBe(5);
    expect(stats.answered).toBe(0);
  });

  it('keeps the outstanding table bounded and still judges evicted pings', () => {
    const { client } = runPair({ count: 500, interval_ms: 1, timeout_ms: 10_000, outstanding_max: 32 }, () => [], 100_000);
    const stats = client.stats();
    expect(stats.sent).toBe(500);
    expect(stats.lost).toBe(500);
    expect(stats.evicted).toBe(500 - 32);
    expect((client as unknown as { pings: Map<number, unknown> }).pings.size).toBeLessThanOrEqual(32);
  });

  it('drops pongs of another session as foreign and future sequence numbers as unsolicited', () => {
    const client = new EchoClient({ server: SERVER, count: 1 }, testRng(3));
    client.handleCommand(0, { type: 'start' });
    while (client.pollTransmit());
    const foreign = encodeEcho({ kind: 'pong', session: (client.session + 1) >>> 0, seq: 0, payload: new Uint8Array(32) });
    const future = encodeEcho({ kind: 'pong', session: client.session, seq: 99, payload: new Uint8Array(32) });
    client.handleDatagram(1, SERVER, foreign, CLIENT);
    client.handleDatagram(1, SERVER, future, CLIENT);
    client.handleDatagram(1, SERVER, new Uint8Array([0xe0, 2, 0]), CLIENT);
    const drops = client.stats().drops;
    expect(drops).toMatchObject({ foreign: 1, unsolicited: 1, malformed: 1 });
  });

  it('sends nothing for count 0 and reports done at once', () => {
    const client = new EchoClient({ server: SERVER, count: 0 }, testRng(4));
    client.handleCommand(0, { type: 'start' });
    expect(client.pollTransmit()).toBeUndefined();
    expect(client.pollTimeout()).toBeUndefined();
    const types: string[] = [];
    for (let e = client.pollEvent(); e; e = client.pollEvent()) types.push(e.type);
    expect(types).toEqual(['echo-started', 'echo-done']);
  });

  it('stop ends sending; pings in flight are still judged, then done', () => {
    const client = new EchoClient({ server: SERVER, interval_ms: 10, timeout_ms: 100 }, testRng(5));
    client.handleCommand(0, { type: 'start' });
    client.handleTimeout(10);
    client.handleTimeout(20);
    client.handleCommand(25, { type: 'stop' });
    expect(client.stats().sent).toBe(3);
    expect(client.pollTimeout()).toBe(100); // the first ping's deadline, no more sends
    client.handleTimeout(120);
    expect(client.stats()).toMatchObject({ lost: 3, pending: 0 });
    const types: string[] = [];
    for (let e = client.pollEvent(); e; e = client.pollEvent()) types.push(e.type);
    expect(types.at(-1)).toBe('echo-done');
  });

  it('rejects an impossible configuration with a typed error', () => {
    expect(() => new EchoClient({ server: SERVER, interval_ms: 0 }, testRng(1))).toThrow(EchoConfigError);
    expect(() => new EchoClient({ server: SERVER, payload_bytes: 5_000 }, testRng(1))).toThrow(EchoConfigError);
  });

  it('server echoes from the local address the ping arrived on (when asked) and reports new clients once', () => {
    const server = new EchoServer({ reply_from_arrival: true });
    const ping = encodeEcho({ kind: 'ping', session: 7, seq: 1, payload: new Uint8Array(4) });
    const local = addr('198.51.100.7', 3478);
    server.handleDatagram(0, CLIENT, ping, local);
    server.handleDatagram(1, CLIENT, ping, local);
    const first = server.pollTransmit();
    expect(first?.local).toEqual(local);
    expect(formatAddr(first!.remote)).toBe('10.0.0.1:4000');
    expect(server.pollTransmit()).toBeDefined();
    expect(server.pollEvent()).toEqual({ type: 'echo-client', from: '10.0.0.1:4000' });
    expect(server.pollEvent()).toBeUndefined();
    expect(server.stats().pings).toBe(2);
    const plain = new EchoServer();
    plain.handleDatagram(0, CLIENT, ping, addr('255.255.255.255', 7));
    expect(plain.pollTransmit()?.local).toBeUndefined();
  });

  test.prop([fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 50 })])(
    'hostile datagrams never throw and never grow the server tables past their limits',
    (datagrams) => {
      const server = new EchoServer({ clients_max: 4, events_max: 8 });
      const client = new EchoClient({ server: SERVER, events_max: 8 }, testRng(9));
      client.handleCommand(0, { type: 'start' });
      datagrams.forEach((data, i) => {
        const from = addr('10.9.0.1', 1000 + i);
        server.handleDatagram(i, from, data, SERVER);
        client.handleDatagram(i, from, data, CLIENT);
      });
      expect(server.stats().clients).toBeLessThanOrEqual(4);
      let events = 0;
      while (client.pollEvent()) events++;
      expect(events).toBeLessThanOrEqual(8);
    },
  );

  test.prop([fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.nat()])(
    'sent = answered + lost + pending, and loss_ratio matches, under random loss',
    (count, loss, seed) => {
      const rng = testRng(seed);
      const { client } = runPair({ count, interval_ms: 5, timeout_ms: 50 }, () => (rng.nextFloat() < loss ? [] : [3]), 100_000, seed);
      const s = client.stats();
      expect(s.sent).toBe(count);
      expect(s.answered + s.lost + s.pending).toBe(count);
      expect(s.pending).toBe(0);
      expect(s.loss_ratio).toBeCloseTo(s.lost / count, 12);
    },
  );

  test.prop([
    fc.integer({ min: 1, max: 40 }),
    fc.double({ min: 0.001, max: 50, noNaN: true }),
    fc.double({ min: 0.001, max: 200, noNaN: true }),
    fc.array(fc.double({ min: 0, max: 300, noNaN: true }), { minLength: 1, maxLength: 8 }),
  ])(
    'deadlines: with fractional intervals, timeouts and delays, handleTimeout at pollTimeout() always moves the deadline on',
    (count, interval_ms, timeout_ms, delays) => {
      // runPair runs both machines under the contract checker: a deadline still due after
      // handleTimeout(deadline) would throw a ContractViolation here.
      const { client } = runPair({ count, interval_ms, timeout_ms }, (_from, index) => (delays[index % delays.length]! > 250 ? [] : [delays[index % delays.length]!]), 1e9);
      const s = client.stats();
      expect(s.sent).toBe(count);
      expect(s.answered + s.lost).toBe(count);
    },
  );
});
