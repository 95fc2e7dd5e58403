// `FileTransfer`: the machine `peerlab connect` runs, in the CLI and in the simulator alike.
// It composes a Peer (punch + secure session, one UDP port) with one side of the transfer
// protocol over the session's stream, through the same Machine contract: datagrams and
// timers go to the Peer, its stream events drive the sender or receiver, and every other
// Peer event is passed up unchanged. File bytes cross the application boundary only as
// `need-data`/`data` (sender) and `data` events (receiver), so the machine touches no file.
import type { Addr } from '../core/addr.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Millis } from '../core/time.ts';
import type { Peer, PeerEvent } from '../peer/peer.ts';

/**
 * What the transfer needs of its peer: the Peer (punch + rendezvous), or any machine with the
 * same public surface (protocol/direct's DirectPeer: srudp-style connect with no rendezvous).
 */
export type TransferPeer = Pick<Peer, 'handleDatagram' | 'handleTimeout' | 'handleCommand' | 'pollTransmit' | 'pollEvent' | 'pollTimeout' | 'write' | 'read' | 'stats' | 'conn' | 'rudp' | 'path' | 'peerKeyHex'>;
import { resolveTransferConfig, type TransferConfig } from './config.ts';
import type { TransferCommand, TransferEvent, TransferOwnEvent } from './events.ts';
import { TransferReceiver } from './receiver.ts';
import { TransferSender } from './sender.ts';
import { DirectHold } from './direct-hold.ts';
import { SideBase, type TransferSide } from './side.ts';
import type { TransferStream } from './stream.ts';
import type { Offer } from './wire.ts';

export type TransferPlan = { readonly kind: 'send'; readonly offer: Offer } | { readonly kind: 'receive' } | { readonly kind: 'session-only' };

export interface FileTransferOptions {
  readonly peer: TransferPeer;
  readonly plan: TransferPlan;
  readonly config?: Partial<TransferConfig>;
  /** Hold the transfer's start this long for a running punch (see direct-hold.ts); default 0. */
  readonly await_direct_ms?: number;
}

/** Peer events moved into the transfer side per settle (each is real work). */
const settle_events_max = 100_000;
/** Rounds of Peer/side timeouts at one instant in one handleTimeout call. */
const timeout_rounds_max = 16;

/** No transfer: the machine ends as soon as the secure session is open. */
class SessionOnly extends SideBase implements TransferSide {
  readonly role = 'session-only' as const;
  protected figures(): { size_bytes: number; bytes: number } {
    return { size_bytes: 0, bytes: 0 };
  }
  start(): void {
    this.finish({ ok: true, confirmed: true });
  }
  onReadable(): void {}
  onPeerEnd(): void {}
  onFinished(): void {}
  onWritable(): void {}
  handleCommand(now: Millis, command: TransferCommand): void {
    if (command.type === 'abort') return this.fail(now, 'aborted', command.reason ?? 'aborted by the application');
    this.refuseCommand(command, 'no transfer in this session');
  }
  handleTimeout(): void {}
  protected onGracefulClose(): void {
    this.finish({ ok: false, error: 'peer-aborted', message: 'the session closed before it opened', confirmed: false });
  }
}

function peerStream(peer: TransferPeer): TransferStream {
  return {
    write: (now, data) => peer.write(now, data),
    read: (max_bytes) => peer.read(max_bytes),
    end: (now) => peer.handleCommand(now, { type: 'end' }),
    // The transport's own abort, so its CLOSE (with the reason) still leaves along the current
    // path: the Peer's `abort` command also closes the punch client, which drops that CLOSE.
    abort: (now, reason) => (peer.conn !== undefined ? peer.rudp.abort(now, peer.conn, reason) : peer.handleCommand(now, { type: 'abort', reason })),
    deliveredBytes: () => peer.stats()?.delivered_bytes ?? 0,
  };
}

export class FileTransfer implements Machine<TransferCommand, TransferEvent> {
  readonly peer: TransferPeer;
  readonly config: TransferConfig;
  readonly side: TransferSide;
  private readonly events: TransferEvent[] = [];
  private eventsHead = 0;
  private readonly hold: DirectHold;
  readonly counters = { settle_exhausted: 0 };

  constructor(options: FileTransferOptions) {
    this.peer = options.peer;
    this.config = resolveTransferConfig(options.config);
    const stream = peerStream(options.peer);
    const emit = (event: TransferOwnEvent): void => void this.events.push(event);
    const plan = options.plan;
    // Only the sender holds: the receiver waits for the offer anyway (within its progress timeout).
    this.hold = new DirectHold(plan.kind === 'send' ? (options.await_direct_ms ?? 0) : 0);
    this.side =
      plan.kind === 'send'
        ? new TransferSender(this.config, stream, emit, plan.offer)
        : plan.kind === 'receive'
          ? new TransferReceiver(this.config, stream, emit)
          : new SessionOnly(this.config, stream, emit);
  }

  /** The transfer has ended (a `transfer-end` was emitted); the runtime may stop. */
  get ended(): boolean {
    return this.side.ended;
  }

  // ---------------- Machine ----------------

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    this.peer.handleDatagram(now, remote, data, local);
    this.settle(now);
  }

  handleTimeout(now: Millis): void {
    // A side's action (a write) can make the Peer due again at `now`; run both until neither
    // is due, so pollTimeout() is past `now` afterwards (bounded: each round does real work).
    for (let round = 0; round < timeout_rounds_max; round++) {
      const peerAt = this.peer.pollTimeout();
      const peerDue = peerAt !== undefined && now >= peerAt;
      if (peerDue) {
        this.peer.handleTimeout(now);
        this.settle(now);
      }
      const sideAt = this.side.deadline();
      const sideDue = sideAt !== undefined && now >= sideAt;
      if (sideDue) {
        this.side.handleTimeout(now);
        this.settle(now);
      }
      const holdDue = this.hold.expired(now);
      if (holdDue) {
        this.side.start(now);
        this.settle(now);
      }
      if (!peerDue && !sideDue && !holdDue) return;
    }
  }

  handleCommand(now: Millis, command: TransferCommand): void {
    this.side.handleCommand(now, command);
    this.settle(now);
  }

  pollTransmit(): Transmit | undefined {
    return this.peer.pollTransmit();
  }

  pollEvent(): TransferEvent | undefined {
    if (this.eventsHead >= this.events.length) return undefined;
    const event = this.events[this.eventsHead++];
    if (this.eventsHead === this.events.length) {
      this.events.length = 0;
      this.eventsHead = 0;
    }
    return event;
  }

  pollTimeout(): Millis | undefined {
    // Called after every datagram of a bulk transfer: no array per call.
    return earlier(earlier(this.peer.pollTimeout(), this.side.deadline()), this.hold.deadline());
  }

  // ---------------- composition ----------------

  /** Routes Peer events into the transfer side until the Peer has none left. */
  private settle(now: Millis): void {
    for (let moved = 0; moved < settle_events_max; moved++) {
      const event = this.peer.pollEvent();
      if (event === undefined) return;
      this.route(now, event);
    }
    this.counters.settle_exhausted++;
  }

  private route(now: Millis, event: PeerEvent): void {
    const release = this.hold.observe(event);
    this.routeEvent(now, event);
    // After the event is out, so the application sees the path change before the first read.
    if (release) this.side.start(now);
  }

  private routeEvent(now: Millis, event: PeerEvent): void {
    const side = this.side;
    const name: string = event.type;
    if (name === 'relay-limit') {
      this.events.push(event);
      // Only while the session rides the relay: after a relay -> direct upgrade it is news only.
      if (this.peer.path?.path !== 'direct') side.fail(now, 'relay-limit', relayLimitText(event));
      return;
    }
    if ('conn' in event && typeof event.conn === 'number' && this.peer.conn !== undefined && event.conn !== this.peer.conn) {
      this.events.push(event); // another connection (a refused stranger): not our session
      return;
    }
    switch (event.type) {
      case 'session-open':
        this.events.push(event);
        if (this.hold.startNow(now, event.path)) side.start(now);
        return;
      case 'readable':
        return side.onReadable(now);
      case 'writable':
        return side.onWritable(now);
      case 'end':
        this.events.push(event);
        return side.onPeerEnd(now);
      case 'finished':
        this.events.push(event);
        return side.onFinished(now);
      case 'closed':
        this.events.push(event);
        return side.onClosed(now, event.error, event.message);
      default:
        this.events.push(event);
    }
  }
}

/** The earlier of two optional deadlines. */
function earlier(a: Millis | undefined, b: Millis | undefined): Millis | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function relayLimitText(event: PeerEvent): string {
  const fields = event as unknown as Record<string, unknown>;
  const detail = typeof fields.limit === 'string' ? fields.limit : typeof fields.reason === 'string' ? fields.reason : undefined;
  return detail ? `the relay cut the circuit (${detail})` : 'the relay cut the circuit';
}
