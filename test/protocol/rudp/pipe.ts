// Test harness: two RudpEndpoints joined by a seeded lossy pipe with a fake clock
// (latency, jitter, loss, duplication, reordering, corruption, bandwidth + drop-tail
// queue). Deterministic per seed; independent of runtime-sim so transport tests stand alone.
// Every call the pipe makes goes through the contract checker (protocol/core/contract.ts) and
// every loop steps a spin guard, so a machine that stays due after handleTimeout, throws, or
// never lets time advance fails the test at once with a ContractViolation instead of hanging.
import { addr, addrEquals, formatAddr, type Addr } from '../../../protocol/core/addr.ts';
import { ContractChecker, ContractViolation, SpinGuard, type MachineCall, type SpinLimits } from '../../../protocol/core/contract.ts';
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
  /** Sees each strayed datagram (e.g. to measure what a stranger's address is sent). */
  onStray: (side: Side, remote: Addr, data: Uint8Array) => void = () => {};
  /** Intercepts every datagram (tamper/replay tests); return undefined to drop it. */
  tap: ((from: Side, data: Uint8Array) => Uint8Array | undefined) | undefined;
  /** The contract checker of each endpoint. */
  readonly checkers: [ContractChecker, ContractChecker];
  /** Bounds every loop of the pipe (steps per virtual instant and in total). */
  readonly guard: SpinGuard;
  /** Spin limits for pipes made from now on (a test of the guard itself lowers them). */
  static spinLimits: SpinLimits = {};

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
    this.checkers = [
      new ContractChecker(`pipe seed ${seed} endpoint 0 (${formatAddr(this.addrs[0])})`, this.endpoints[0]),
      new ContractChecker(`pipe seed ${seed} endpoint 1 (${formatAddr(this.addrs[1])})`, this.endpoints[1]),
    ];
    this.guard = new SpinGuard(`pipe seed ${seed}`, Pipe.spinLimits);
  }

  /** Drains both machines: transmits into the pipe, events to the log and callback. */
  drain(): void {
    for (let progress = true; progress; ) {
      progress = false;
      this.guard.step(this.now);
      for (const side of [0, 1] as const) {
        if (this.drainSide(side)) progress = true;
      }
    }
  }

  /** Drains one endpoint once through its checker; true when anything came out. */
  private drainSide(side: Side): boolean {
    const endpoint = this.endpoints[side];
    const checker = this.checkers[side];
    let progress = false;
    let call: MachineCall | undefined = 'pollTransmit';
    try {
      for (let t = endpoint.pollTransmit(); t; t = endpoint.pollTransmit()) {
        call = undefined;
        checker.polled('pollTransmit', this.now);
        progress = true;
        // Only datagrams addressed to the other side reach it (a stranger's address is a void).
        if (addrEquals(t.remote, this.addrs[side === 0 ? 1 : 0])) this.send(side, t.data);
        else {
          this.strayed++;
          this.onStray(side, t.remote, t.data);
        }
        call = 'pollTransmit';
      }
      call = 'pollEvent';
      for (let e = endpoint.pollEvent(); e; e = endpoint.pollEvent()) {
        call = undefined;
        checker.polled('pollEvent', this.now);
        progress = true;
        this.events[side].push(e);
        this.onEvent(side, e);
        call = 'pollEvent';
      }
    } catch (error) {
      // A test's own onEvent/tap exception is not the machine's: it goes on up unchanged.
      if (call === undefined && !(error instanceof ContractViolation)) throw error;
      throw checker.threw(call ?? 'pollEvent', this.now, error);
    }
    return progress;
  }

  /** The deadline of one endpoint, a throw from pollTimeout() turned into a violation. */
  private deadline(side: Side): number | undefined {
    try {
      return this.endpoints[side].pollTimeout();
    } catch (error) {
      throw this.checkers[side].threw('pollTimeout', this.now, error);
    }
  }

  /** A handle* call at pipe.now through the checker (time rule, throws). */
  private handle(side: Side, call: 'handleDatagram' | 'handleTimeout', fn: () => void): void {
    this.checkers[side].enter(call, this.now);
    this.guard.step(this.now);
    try {
      fn();
    } catch (error) {
      throw this.checkers[side].threw(call, this.now, error);
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
      this.guard.step(this.now);
      const tA = this.deadline(0);
      const tB = this.deadline(1);
      this.checkers[0].settle('handleCommand', this.now, tA);
      this.checkers[1].settle('handleCommand', this.now, tB);
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
        this.handle(flight.to, 'handleDatagram', () => this.endpoints[flight.to].handleDatagram(this.now, flight.from, flight.data, this.addrs[flight.to]));
        this.drain();
      }
      for (const side of [0, 1] as const) {
        const t = this.deadline(side);
        if (t !== undefined && t <= this.now) {
          this.handle(side, 'handleTimeout', () => this.endpoints[side].handleTimeout(this.now));
          this.drain();
          // The contract: once handled and drained, a machine's deadline lies in the future.
          // A deadline still <= now would make this loop spin forever at one instant.
          this.checkers[side].settle('handleTimeout', this.now, this.deadline(side));
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
