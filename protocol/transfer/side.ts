// One side of a transfer (sender or receiver) as FileTransfer drives it, and the base both
// share: the outbox of events, the one progress deadline and the one close deadline (stored
// and compared `now >= deadline`), the single transfer-end, and what a transport failure means.
import type { Millis } from '../core/time.ts';
import type { RudpErrorCode } from '../rudp/errors.ts';
import type { TransferConfig } from './config.ts';
import type { TransferCommand, TransferEnd, TransferErrorCode, TransferOwnEvent, TransferRole } from './events.ts';
import type { TransferStream } from './stream.ts';

export interface TransferSide {
  readonly role: TransferRole;
  readonly ended: boolean;
  /** The secure session opened: start the protocol. */
  start(now: Millis): void;
  onReadable(now: Millis): void;
  /** The other side finished its stream (every byte is readable). */
  onPeerEnd(now: Millis): void;
  /** Our FIN and every byte before it were acknowledged. */
  onFinished(now: Millis): void;
  onWritable(now: Millis): void;
  /** The session closed: gracefully (no error) or with the transport's error. */
  onClosed(now: Millis, error: RudpErrorCode | undefined, message: string | undefined): void;
  handleCommand(now: Millis, command: TransferCommand): void;
  handleTimeout(now: Millis): void;
  /** End the transfer with `error` and tear the session down (relay limit, local abort). */
  fail(now: Millis, error: TransferErrorCode, message: string): void;
  deadline(): Millis | undefined;
}

/** The transfer error a transport failure means. */
export function transportError(error: RudpErrorCode, message: string | undefined): TransferErrorCode {
  if (error === 'idle-timeout' || error === 'handshake-timeout') return 'timeout';
  if (error === 'peer-aborted') return message?.startsWith('relay-limit') ? 'relay-limit' : 'peer-aborted';
  return 'transport';
}

type EndFields = Omit<TransferEnd, 'type' | 'role' | 'size_bytes' | 'bytes' | 'sha256_hex'>;

export abstract class SideBase {
  abstract readonly role: TransferRole;
  ended = false;
  protected progressDeadline: Millis | undefined;
  protected closeDeadline: Millis | undefined;

  constructor(
    protected readonly config: TransferConfig,
    protected readonly stream: TransferStream,
    private readonly emitEvent: (event: TransferOwnEvent) => void,
  ) {}

  protected emit(event: TransferOwnEvent): void {
    this.emitEvent(event);
  }

  /** Figures reported with the end: offered size, bytes moved, the sha256 both agree on. */
  protected abstract figures(): { size_bytes: number; bytes: number; sha256_hex?: string };

  protected finish(fields: EndFields): void {
    if (this.ended) return;
    this.ended = true;
    this.progressDeadline = undefined;
    this.closeDeadline = undefined;
    this.emit({ type: 'transfer-end', role: this.role, ...this.figures(), ...fields });
  }

  fail(now: Millis, error: TransferErrorCode, message: string): void {
    if (this.ended) return;
    this.stream.abort(now, `${error}: ${message}`);
    this.finish({ ok: false, error, message, confirmed: false });
  }

  onClosed(_now: Millis, error: RudpErrorCode | undefined, message: string | undefined): void {
    if (this.ended) return;
    if (error) {
      this.finish({ ok: false, error: transportError(error, message), transport: error, message: message ?? error, confirmed: false });
    } else {
      this.onGracefulClose();
    }
  }

  /** Both streams finished before this side reached its end. */
  protected abstract onGracefulClose(): void;

  deadline(): Millis | undefined {
    const a = this.progressDeadline;
    const b = this.closeDeadline;
    if (a === undefined) return b;
    if (b === undefined) return a;
    return Math.min(a, b);
  }

  protected refuseCommand(command: TransferCommand, reason: string): void {
    this.emit({ type: 'command-refused', command: command.type, reason });
  }
}
