// Test harness: two RudpEndpoints joined by a seeded lossy pipe with a fake clock
// (latency, jitter, loss, duplication, reordering, corruption, bandwidth + drop-tail
// queue). Deterministic per seed; independent of runtime-sim so transport tests stand alone.
import { addr, addrEquals, type Addr } from '../../../protocol/core/addr.ts';
import { rngFromFloat, type Rng } from '../../../protocol/core/rng.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import type { Crypto } from '../../../protocol/core/crypto.ts';
import type { RudpConfig } from '../../../protocol/rudp/config.ts';
import { RudpEndpoint } from '../../../protocol/rudp/endpoint.ts';
import type { RudpEvent } from '../../../protocol/rudp/events.ts';

export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return rngFromFloat(() => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  });
}

export interface PipeLink {
  delay_ms?: number;
  jitter_ms?: number;
  loss?: number;
  duplicate?: number;
  reorder?: number;
  reorder_delay_ms?: number;
  corrupt?: number;
  bandwidth_bps?: number;
  queue_bytes?: number;
  /** Datagrams larger than this are dropped (path MTU as a UDP payload size). */
  mtu_bytes?: number;
}

interface Flight {
  at: number;
  seq: number;
  to: 0 | 1;
  from: Addr;
  data: Uint8Array;
}

export type Side = 0 | 1;

export class Pipe {
  now = 0;
  readonly endpoints: [RudpEndpoint, RudpEndpoint];
  addrs: [Addr, Addr] = [addr('10.0.0.1', 4000), addr('10.0.0.2', 5000)];
  readonly events: [RudpEvent[], RudpEvent[]] = [[], []];
  links: [PipeLink, PipeLink];
  private readonly rng: Rng;
  private flights: Flight[] = [];
  private seq = 0;
  private busyUntil = [0, 0];
  onEvent: (side: Side, event: RudpEvent) => void = () => {};
  delivered = 0;
  dropped = 0;
  /** Datagrams a machine addressed to neither side (e.g. path challenges to a stranger). */
  strayed = 0;
  /** Intercepts every datagram (tamper/replay tests); return undefined to drop it. */
  tap: ((from: Side, data: Uint8Array) => Uint8Array | undefined) | undefined;

  constructor(
    seed: number,
    link: PipeLink = {},
    config: Partial<RudpConfig> = {},
    crypto: Crypto = nobleCrypto,
    configB: Partial<RudpConfig> = config,
  ) {
    this.rng = seededRng(seed * 7919 + 1);
    const keyRng = seededRng(seed);
    this.endpoints = [
      new RudpEndpoint({ crypto, rng: seededRng(seed + 1000), staticSecret: keyRng.nextBytes(32), config }),
      new RudpEndpoint({ crypto, rng: seededRng(seed + 2000), staticSecret: keyRng.nextBytes(32), config: configB }),
    ];
    this.links = [link, link];
  }

  /** Drains both machines: transmits into the pipe, events to the log and callback. */
  drain(): void {
    for (let progress = true; progress; ) {
      progress = false;
      for (const side of [0, 1] as const) {
        const endpoint = this.endpoints[side];
        for (let t = endpoint.pollTransmit(); t; t = endpoint.pollTransmit()) {
          progress = true;
          // Only datagrams addressed to the other side reach it (a stranger's address is a void).
          if (addrEquals(t.remote, this.addrs[side === 0 ? 1 : 0])) this.send(side, t.data);
          else this.strayed++;
        }
        for (let e = endpoint.pollEvent(); e; e = endpoint.pollEvent()) {
          progress = true;
          this.events[side].push(e);
          this.onEvent(side, e);
        }
      }
    }
  }

  private push(flight: Flight): void {
    // Binary insertion keeps flights sorted by (at, seq).
    const list = this.flights;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = list[mid]!;
      if (m.at < flight.at || (m.at === flight.at && m.seq < flight.seq)) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, flight);
  }

  private send(from: Side, original: Uint8Array): void {
    const link = this.links[from];
    const to: Side = from === 0 ? 1 : 0;
    const data = this.tap ? this.tap(from, original) : original;
    if (!data) return;
    if (link.mtu_bytes !== undefined && data.byteLength > link.mtu_bytes) {
      this.dropped++;
      return;
    }
    let departure = this.now;
    if (link.bandwidth_bps) {
      const serialise_ms = (data.byteLength * 8 * 1000) / link.bandwidth_bps;
      const start = Math.max(this.now, this.busyUntil[from]!);
      const queued_bytes = ((start - this.now) * link.bandwidth_bps) / 8000;
      if (link.queue_bytes !== undefined && queued_bytes + data.byteLength > link.queue_bytes) {
        this.dropped++;
        return;
      }
      this.busyUntil[from] = start + serialise_ms;
      departure = start + serialise_ms;
    }
    if (link.loss && this.rng.nextFloat() < link.loss) {
      this.dropped++;
      return;
    }
    const copies = link.duplicate && this.rng.nextFloat() < link.duplicate ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      let payload = data;
      if (link.corrupt && this.rng.nextFloat() < link.corrupt) {
        payload = data.slice();
        const i = this.rng.nextInt(0, payload.byteLength - 1);
        payload[i] = payload[i]! ^ (1 << this.rng.nextInt(0, 7));
      }
      let at = departure + (link.delay_ms ?? 0) + (link.jitter_ms ? this.rng.nextFloat() * link.jitter_ms : 0);
      if (link.reorder && this.rng.nextFloat() < link.reorder) at += link.reorder_delay_ms ?? 10;
      this.push({ at, seq: this.seq++, to, from: this.addrs[from], data: payload });
    }
  }

  /** Runs until `done()` or `limit_ms` of virtual time; returns true if done. */
  run(done: () => boolean, limit_ms = 60_000): boolean {
    this.drain();
    const end = this.now + limit_ms;
    while (!done()) {
      const tA = this.endpoints[0].pollTimeout();
      const tB = this.endpoints[1].pollTimeout();
      const tF = this.flights[0]?.at;
      let next = Infinity;
      for (const t of [tA, tB, tF]) if (t !== undefined && t < next) next = t;
      if (next === Infinity || next > end) {
        this.now = Math.max(this.now, Math.min(end, next));
        return done();
      }
      this.now = Math.max(this.now, next);
      while (this.flights.length > 0 && this.flights[0]!.at <= this.now) {
        const flight = this.flights.shift()!;
        this.delivered++;
        this.endpoints[flight.to].handleDatagram(this.now, flight.from, flight.data, this.addrs[flight.to]);
        this.drain();
      }
      for (const side of [0, 1] as const) {
        const t = this.endpoints[side].pollTimeout();
        if (t !== undefined && t <= this.now) {
          this.endpoints[side].handleTimeout(this.now);
          this.drain();
          // The contract: once handled and drained, a machine's deadline lies in the future.
          // A deadline still <= now would make this loop spin forever at one instant.
          const after = this.endpoints[side].pollTimeout();
          if (after !== undefined && after <= this.now) {
            throw new Error(`contract violation: endpoint ${side} pollTimeout() = ${after} <= now ${this.now} after handleTimeout`);
          }
        }
      }
    }
    return true;
  }

  connect(options: { expectedPeer?: Uint8Array } = {}): number {
    const id = this.endpoints[0].connect(this.now, this.addrs[1], options);
    this.drain();
    return id;
  }
}
