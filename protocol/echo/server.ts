// The echo server: answers every valid ping with a pong carrying the same session, sequence
// number and payload (from the address the ping arrived on when so configured). It keeps no per-ping state;
// the only table (clients seen, for one event per new client) is bounded.
import { formatAddr, type Addr } from '../core/addr.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Millis } from '../core/time.ts';
import { BoundedQueue } from '../core/bounded-queue.ts';
import { encodeEcho } from './codec.ts';
import { resolveEchoServerConfig, type EchoServerConfig, type ResolvedEchoServerConfig } from './config.ts';
import { EchoDropLog } from './drop-log.ts';
import type { EchoDropReason, EchoServerEvent, EchoServerStats } from './events.ts';

/** The server takes no commands; the type exists to satisfy the contract. */
export type EchoServerCommand = never;

/** Pongs queued between handleDatagram and pollTransmit (one per ping, drained each time). */
const TRANSMITS_MAX = 256;

export class EchoServer implements Machine<EchoServerCommand, EchoServerEvent> {
  readonly config: ResolvedEchoServerConfig;
  private readonly transmits = BoundedQueue.dropNewest<Transmit>(TRANSMITS_MAX);
  private readonly events: BoundedQueue<EchoServerEvent, 'drop-newest'>;
  private readonly clients = new Set<string>();
  private readonly dropLog: EchoDropLog;
  private pings = 0;

  constructor(config: EchoServerConfig = {}) {
    this.config = resolveEchoServerConfig(config);
    this.events = BoundedQueue.dropNewest(this.config.events_max);
    this.dropLog = new EchoDropLog(this.events);
  }

  handleDatagram(_now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    const from = formatAddr(remote);
    const message = this.dropLog.decode(data, this.config.payload_bytes_max, from);
    if (!message) return;
    if (message.kind !== 'ping') return this.drop('unexpected', from, 'pong at a server');
    this.pings++;
    if (!this.clients.has(from) && this.clients.size < this.config.clients_max) {
      this.clients.add(from);
      this.events.push({ type: 'echo-client', from });
    }
    const pong = encodeEcho({ ...message, kind: 'pong' });
    this.transmits.push(this.config.reply_from_arrival ? { remote, local, data: pong } : { remote, data: pong });
  }

  handleTimeout(_now: Millis): void {}

  handleCommand(_now: Millis, _command: EchoServerCommand): void {}

  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }

  pollEvent(): EchoServerEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): Millis | undefined {
    return undefined;
  }

  /** Client addresses seen so far, in order of first sighting (bounded by clients_max). */
  clientAddresses(): string[] {
    return [...this.clients];
  }

  stats(): EchoServerStats {
    return {
      pings: this.pings,
      pongs_sent: this.pings - this.transmits.dropped,
      clients: this.clients.size,
      drops: { ...this.dropLog.counts },
      events_dropped: this.events.dropped,
    };
  }

  private drop(reason: EchoDropReason, from: string, detail: string): void {
    this.dropLog.add(reason, from, detail);
  }
}
