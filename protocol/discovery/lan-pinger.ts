// peerpy's `get_local_peers()` as a Sans-IO machine: a `seek` broadcasts PING (a few times,
// so one lost datagram does not hide a peer) and collects the PONGs that echo its nonce until
// the seek's deadline, then reports `local-peers`. Unless `invisible`, the machine answers
// every PING with one PONG to the PING's source (same size; at most `pongs_per_second_max`
// a second, so a broadcast storm cannot turn us into an amplifier).
import { addrEquals, formatAddr, type Addr } from '../core/addr.ts';
import { BoundedQueue } from '../core/bounded-queue.ts';
import { DecodeError } from '../core/decode-error.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import { TimerTable } from '../core/timers.ts';
import { decodePing, encodePing, NONCE_BYTES } from './ping-wire.ts';
import { equalBytes } from '../core/bytes.ts';

/** peerpy's pinger port (protocol.py L34). */
export const PEERPY_PINGER_PORT = 1024;

export interface LanPingerConfig {
  /** Where our own peer listens (carried in PING and PONG). */
  readonly peer: Addr;
  /** The broadcast destination: 255.255.255.255 (or the subnet's) on the pinger port. */
  readonly broadcast: Addr;
  /** Answer nothing (peerpy's `invisible`). */
  readonly invisible: boolean;
  /** peerpy waits 0.5 s for answers. */
  readonly seek_timeout_ms: number;
  /** PINGs per seek, `ping_interval_ms` apart. */
  readonly pings_per_seek: number;
  readonly ping_interval_ms: number;
  readonly peers_max: number;
  readonly pongs_per_second_max: number;
  readonly transmits_max: number;
  readonly events_max: number;
}

export const LAN_PINGER_DEFAULTS: Omit<LanPingerConfig, 'peer' | 'broadcast'> = {
  invisible: false,
  seek_timeout_ms: 500,
  pings_per_seek: 4,
  ping_interval_ms: 100,
  peers_max: 256,
  pongs_per_second_max: 64,
  transmits_max: 256,
  events_max: 256,
};

export type LanPingerCommand = { readonly type: 'seek'; readonly timeout_ms?: number };

export type LanPingerEvent =
  /** The peers (their listening addresses, "ip:port") that answered the seek, sorted. */
  | { readonly type: 'local-peers'; readonly peers: readonly string[]; readonly truncated: boolean }
  | { readonly type: 'pong-sent'; readonly to: string };

type TimerName = 'ping' | 'deadline' | 'pong-window';

export class LanPinger implements Machine<LanPingerCommand, LanPingerEvent> {
  readonly config: LanPingerConfig;
  private readonly timers = new TimerTable<TimerName>();
  private readonly transmits: BoundedQueue<Transmit, 'drop-newest'>;
  private readonly events: BoundedQueue<LanPingerEvent, 'drop-newest'>;
  private nonce: Uint8Array | undefined;
  private pingsLeft = 0;
  private readonly found = new Set<string>();
  private truncated = false;
  private pongsInWindow = 0;
  readonly counters = { decode: 0, stale_pong: 0, own: 0, pong_rate_limited: 0, invisible_ignored: 0, pongs_sent: 0, pings_sent: 0 };

  constructor(config: Partial<LanPingerConfig> & Pick<LanPingerConfig, 'peer' | 'broadcast'>, private readonly rng: Rng) {
    this.config = { ...LAN_PINGER_DEFAULTS, ...config };
    this.transmits = BoundedQueue.dropNewest(this.config.transmits_max);
    this.events = BoundedQueue.dropNewest(this.config.events_max);
  }

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array, _local?: Addr): void {
    let message;
    try {
      message = decodePing(data);
    } catch (error) {
      if (error instanceof DecodeError) return void this.counters.decode++;
      throw error;
    }
    if (message.kind === 'ping') {
      if (this.nonce && equalBytes(message.nonce, this.nonce)) return void this.counters.own++;
      if (this.config.invisible) return void this.counters.invisible_ignored++;
      if (!this.timers.has('pong-window')) {
        this.timers.set('pong-window', now + 1_000);
        this.pongsInWindow = 0;
      }
      if (this.pongsInWindow >= this.config.pongs_per_second_max) return void this.counters.pong_rate_limited++;
      this.pongsInWindow++;
      this.counters.pongs_sent++;
      this.transmits.push({ remote, data: encodePing({ kind: 'pong', nonce: message.nonce, peer: this.config.peer }) });
      this.events.push({ type: 'pong-sent', to: formatAddr(remote) });
      return;
    }
    // A PONG counts only while our seek runs and only with our nonce.
    if (!this.nonce || !equalBytes(message.nonce, this.nonce)) return void this.counters.stale_pong++;
    if (addrEquals(message.peer, this.config.peer)) return void this.counters.own++;
    const key = formatAddr(message.peer);
    if (this.found.has(key)) return;
    if (this.found.size >= this.config.peers_max) {
      this.truncated = true;
      return;
    }
    this.found.add(key);
  }

  handleTimeout(now: Millis): void {
    for (const name of this.timers.expire(now)) {
      if (name === 'ping') this.sendPing(now);
      else if (name === 'deadline') this.finishSeek();
    }
  }

  handleCommand(now: Millis, command: LanPingerCommand): void {
    if (command.type !== 'seek') return;
    if (this.nonce) this.finishSeek();
    this.nonce = this.rng.nextBytes(NONCE_BYTES);
    this.found.clear();
    this.truncated = false;
    this.pingsLeft = this.config.pings_per_seek;
    this.timers.set('deadline', now + (command.timeout_ms ?? this.config.seek_timeout_ms));
    this.sendPing(now);
  }

  private sendPing(now: Millis): void {
    if (!this.nonce || this.pingsLeft <= 0) return;
    this.pingsLeft--;
    this.counters.pings_sent++;
    this.transmits.push({ remote: this.config.broadcast, data: encodePing({ kind: 'ping', nonce: this.nonce, peer: this.config.peer }) });
    if (this.pingsLeft > 0) this.timers.set('ping', now + this.config.ping_interval_ms);
  }

  private finishSeek(): void {
    this.timers.clear('ping');
    this.timers.clear('deadline');
    this.nonce = undefined;
    this.events.push({ type: 'local-peers', peers: [...this.found].sort(), truncated: this.truncated });
    this.found.clear();
  }

  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }

  pollEvent(): LanPingerEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): Millis | undefined {
    return this.timers.earliest();
  }
}
