// An interactive (thin) stream in the simulator: the client sends a small message every
// `interval_ms`, the server echoes each one at once, and the client records every message's
// round trip. Issue 15's set-up: 8-byte messages every 20 ms for 20 s, one-way delay uniform
// 30–60 ms, 5% random loss each way. Both endpoints are wrapped in a counter, so datagrams and
// bytes on the wire per message are measured too. Used by `peerlab bench rudp`,
// test/protocol/rudp/thin-stream.test.ts and the `transfer/thin-stream-lossy` scenario.
import { addr, type Addr } from '../../protocol/core/addr.ts';
import type { Crypto } from '../../protocol/core/crypto.ts';
import type { Machine, Transmit } from '../../protocol/core/machine.ts';
import type { Millis } from '../../protocol/core/time.ts';
import type { RudpConfig } from '../../protocol/rudp/config.ts';
import { RudpEndpoint, type RudpCommand } from '../../protocol/rudp/endpoint.ts';
import type { RudpEvent } from '../../protocol/rudp/events.ts';
import { nobleCrypto } from '../../protocol/core/noble-crypto.ts';
import { Simulator, type LinkConfig } from '../../runtime-sim/index.ts';
import { atMost, holds } from '../expect.ts';
import type { Scenario } from '../scenario.ts';

export interface ThinStreamOptions {
  readonly seed: number;
  readonly crypto: Crypto;
  /** Random loss on each direction of the path. */
  readonly loss_p: number;
  readonly config?: Partial<RudpConfig>;
  readonly message_bytes?: number;
  readonly interval_ms?: number;
  readonly duration_ms?: number;
  readonly oneWayMin_ms?: number;
  readonly oneWayMax_ms?: number;
}

export interface ThinStreamResult {
  /** Round trip of every message echoed back, in send order (NaN: never came back). */
  readonly rtts_ms: number[];
  readonly messages: number;
  /** Datagrams and UDP payload bytes both endpoints sent after the handshake. */
  readonly datagrams: number;
  readonly bytes: number;
  /** Mean UDP payload size of the datagrams each side sent in the first and the last 2 s. */
  readonly meanDatagramFirst_bytes: number;
  readonly meanDatagramLast_bytes: number;
  readonly lost_packets: number;
  readonly bundled_bytes: number;
}

/** Window over which datagram sizes are averaged at the start and at the end of the run. */
const SIZE_WINDOW_MS = 2_000;
/** Time after the last message for its echo to come back. */
const TAIL_MS = 3_000;

/** Passes every call through and counts what the machine sends (after `from_ms`). */
class Counted<C, E> implements Machine<C, E> {
  datagrams = 0;
  bytes = 0;
  readonly sizes: Array<{ at: Millis; bytes: number }> = [];
  private now: Millis = 0;
  constructor(readonly inner: Machine<C, E>, private readonly from: () => Millis | undefined) {}
  handleDatagram(now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    this.now = now;
    this.inner.handleDatagram(now, remote, data, local);
  }
  handleTimeout(now: Millis): void {
    this.now = now;
    this.inner.handleTimeout(now);
  }
  handleCommand(now: Millis, command: C): void {
    this.now = now;
    this.inner.handleCommand(now, command);
  }
  pollTransmit(): Transmit | undefined {
    const t = this.inner.pollTransmit();
    const from = this.from();
    if (t && from !== undefined && this.now >= from) {
      this.datagrams++;
      this.bytes += t.data.byteLength;
      this.sizes.push({ at: this.now, bytes: t.data.byteLength });
    }
    return t;
  }
  pollEvent(): E | undefined {
    return this.inner.pollEvent();
  }
  pollTimeout(): Millis | undefined {
    return this.inner.pollTimeout();
  }
  /** Keeps `now` current for act() calls, which reach the inner machine directly. */
  touch(now: Millis): void {
    this.now = now;
  }
}

function meanSize(sizes: ReadonlyArray<{ at: Millis; bytes: number }>, from: Millis, to: Millis): number {
  let n = 0;
  let sum = 0;
  for (const s of sizes) {
    if (s.at >= from && s.at < to) {
      n++;
      sum += s.bytes;
    }
  }
  return n === 0 ? 0 : sum / n;
}

export function runThinStream(options: ThinStreamOptions): ThinStreamResult {
  return runThinStreamOn(new Simulator({ seed: options.seed, scenario: 'thin-stream' }), options);
}

/** The same run on a given simulator (a registered scenario's, so its trace is recorded). */
export function runThinStreamOn(sim: Simulator, options: ThinStreamOptions): ThinStreamResult {
  const message_bytes = options.message_bytes ?? 8;
  const interval_ms = options.interval_ms ?? 20;
  const duration_ms = options.duration_ms ?? 20_000;
  const latency = { kind: 'uniform' as const, min_ms: options.oneWayMin_ms ?? 30, max_ms: options.oneWayMax_ms ?? 60 };
  const clientLink: LinkConfig = { latency, ...(options.loss_p > 0 ? { loss: { kind: 'bernoulli' as const, p: options.loss_p } } : {}) };
  sim.addHost({ name: 'client', ips: ['198.51.100.1'], link: clientLink });
  sim.addHost({ name: 'server', ips: ['198.51.100.2'], link: { latency: { kind: 'fixed', ms: 0 } }, role: 'server' });
  const config: Partial<RudpConfig> = { mode: 'message', ...options.config };
  const server = new RudpEndpoint({ crypto: options.crypto, rng: sim.rng.fork('s'), staticSecret: sim.rng.fork('ks').nextBytes(32), config });
  const client = new RudpEndpoint({ crypto: options.crypto, rng: sim.rng.fork('c'), staticSecret: sim.rng.fork('kc').nextBytes(32), config, accept: false });
  let start: Millis | undefined;
  const cs = new Counted<RudpCommand, RudpEvent>(server, () => start);
  const cc = new Counted<RudpCommand, RudpEvent>(client, () => start);
  const serverAddr = addr('198.51.100.2', 4000);
  const hs = sim.run('server', cs, { port: 4000 });
  const hc = sim.run('client', cc, { port: 5000 });
  let clientConn = -1;
  let serverConn = -1;
  const sentAt: number[] = [];
  const rtts: number[] = [];
  hs.onEvent((event) => {
    if (event.type === 'connected') serverConn = event.conn;
    if (event.type !== 'readable') return;
    hs.act((_m, now) => {
      cs.touch(now);
      for (let m = server.readMessage(serverConn); m; m = server.readMessage(serverConn)) server.sendMessage(now, serverConn, m);
    });
  });
  hc.onEvent((event) => {
    if (event.type === 'connected' && start === undefined) {
      start = sim.now;
      const send = (): void => {
        const now = sim.now;
        if (now - start! >= duration_ms) return;
        const seq = sentAt.length;
        const message = new Uint8Array(message_bytes);
        new DataView(message.buffer).setUint32(0, seq);
        sentAt.push(now);
        rtts.push(Number.NaN);
        hc.act((_m, t) => {
          cc.touch(t);
          client.sendMessage(t, clientConn, message);
        });
        sim.after(interval_ms, send);
      };
      send();
    }
    if (event.type !== 'readable') return;
    hc.act((_m, now) => {
      cc.touch(now);
      for (let m = client.readMessage(clientConn); m; m = client.readMessage(clientConn)) {
        const seq = new DataView(m.buffer, m.byteOffset, m.byteLength).getUint32(0);
        if (seq < rtts.length && Number.isNaN(rtts[seq]!)) rtts[seq] = now - sentAt[seq]!;
      }
    });
  });
  sim.at(0, () => {
    clientConn = hc.act((_m, now) => client.connect(now, serverAddr));
  });
  sim.runUntil(10_000);
  if (start === undefined) throw new Error(`thin-stream seed ${options.seed}: no connection within 10 s`);
  sim.runUntil(start + duration_ms + TAIL_MS);
  const end = start + duration_ms;
  const sizes = [...cc.sizes, ...cs.sizes];
  const cstats = client.stats(clientConn);
  const sstats = server.stats(serverConn);
  const cconn = client.connection(clientConn);
  const sconn = server.connection(serverConn);
  return {
    rtts_ms: rtts,
    messages: sentAt.length,
    datagrams: cc.datagrams + cs.datagrams,
    bytes: cc.bytes + cs.bytes,
    meanDatagramFirst_bytes: meanSize(sizes, start, start + SIZE_WINDOW_MS),
    meanDatagramLast_bytes: meanSize(sizes, end - SIZE_WINDOW_MS, end),
    lost_packets: (cstats?.lost ?? 0) + (sstats?.lost ?? 0),
    bundled_bytes: (cconn?.bundled_bytes ?? 0) + (sconn?.bundled_bytes ?? 0),
  };
}

/** Seconds of messages in the registered scenario (the bench runs the full 20 s). */
const SCENARIO_DURATION_MS = 5_000;
const SCENARIO_LOSS_P = 0.05;

/**
 * `transfer/thin-stream-lossy`: 5 s of issue 15's interactive stream at 5% loss each way.
 * Every message must come back, the worst round trip stays within 3.5x the path's mean RTT
 * (90 ms), and ACK pruning keeps the mean datagram size flat.
 */
export const thinStreamScenario: Scenario = {
  name: 'transfer/thin-stream-lossy',
  description: '8-byte messages every 20 ms, echoed, one-way delay uniform 30-60 ms, 5% loss each way, 5 s (thin-stream recovery)',
  suites: ['transfer'],
  figures: ['mean_rtt_ms', 'worst_rtt_ms', 'datagrams_per_message', 'bytes_per_message', 'first_datagram_bytes', 'last_datagram_bytes'],
  run(sim, seed) {
    const r = runThinStreamOn(sim, { seed, crypto: nobleCrypto, loss_p: SCENARIO_LOSS_P, duration_ms: SCENARIO_DURATION_MS });
    const finite = r.rtts_ms.filter((x) => Number.isFinite(x));
    const round = (x: number): number => Math.round(x * 10) / 10;
    return {
      messages: r.messages,
      echoed: finite.length,
      mean_rtt_ms: round(finite.reduce((a, b) => a + b, 0) / Math.max(finite.length, 1)),
      worst_rtt_ms: round(finite.reduce((a, b) => Math.max(a, b), 0)),
      datagrams_per_message: round(r.datagrams / r.messages),
      bytes_per_message: round(r.bytes / r.messages),
      first_datagram_bytes: round(r.meanDatagramFirst_bytes),
      last_datagram_bytes: round(r.meanDatagramLast_bytes),
    };
  },
  expectations: [
    holds('every message is echoed', (o) => (o.echoed === o.messages ? true : `${o.echoed} of ${o.messages}`)),
    atMost('worst_rtt_ms', 3.5 * 90),
    holds('datagram sizes stay flat (ACK ranges pruned)', (o) => (Number(o.last_datagram_bytes) <= 1.1 * Number(o.first_datagram_bytes) ? true : `${o.first_datagram_bytes} -> ${o.last_datagram_bytes} B`)),
  ],
};
