// The receiving side: reads the OFFER, asks its application to accept or refuse it, hands
// each chunk of the file up as a `data` event while hashing it, and once `size` bytes are in
// and the sha256 matches asks the application to store the file (`verified` → `committed`).
// Only then does it send the VERDICT ok, so a sender's success means the file is stored. It
// ends when the sender finishes its stream after reading the verdict (the acknowledged end),
// or close_timeout_ms later.
import { equalBytes, hex } from '../core/bytes.ts';
import { DecodeError } from '../core/decode-error.ts';
import type { Millis } from '../core/time.ts';
import type { Sha256Stream, TransferConfig } from './config.ts';
import type { TransferCommand, TransferErrorCode, TransferOwnEvent } from './events.ts';
import { SideBase, type TransferSide } from './side.ts';
import type { TransferStream } from './stream.ts';
import { decodeOffer, encodeVerdict, offerBytesWanted, SHA256_BYTES, type Offer, type VerdictCode } from './wire.ts';

type ReceiverState = 'idle' | 'awaiting-offer' | 'deciding' | 'receiving' | 'committing' | 'confirming';

export class TransferReceiver extends SideBase implements TransferSide {
  readonly role = 'receiver' as const;
  private state: ReceiverState = 'idle';
  private offerBuffer: Uint8Array = new Uint8Array(0);
  private offer: Offer | undefined;
  private hash: Sha256Stream | undefined;
  private computed: Uint8Array | undefined;
  private received_bytes = 0;
  private peerEnded = false;
  /** The verdict bytes not yet taken by the stream. */
  private pendingVerdict: Uint8Array = new Uint8Array(0);
  private outcome: { code: VerdictCode; error?: TransferErrorCode; message?: string } | undefined;
  extra_bytes = 0;

  constructor(config: TransferConfig, stream: TransferStream, emit: (event: TransferOwnEvent) => void) {
    super(config, stream, emit);
  }

  protected figures(): { size_bytes: number; bytes: number; sha256_hex?: string } {
    return { size_bytes: this.offer?.size_bytes ?? 0, bytes: this.received_bytes, sha256_hex: this.computed ? hex(this.computed) : undefined };
  }

  start(now: Millis): void {
    if (this.state !== 'idle' || this.ended) return;
    this.state = 'awaiting-offer';
    this.progressDeadline = now + this.config.progress_timeout_ms;
    this.onReadable(now);
  }

  onReadable(now: Millis): void {
    for (;;) {
      if (this.ended) return;
      switch (this.state) {
        case 'idle':
        case 'deciding':
          return; // unread bytes wait in the stream (flow control holds the sender)
        case 'awaiting-offer':
          if (!this.readOffer(now)) return;
          break;
        case 'receiving':
          if (!this.readFile(now)) return;
          break;
        case 'committing':
        case 'confirming': {
          // Bytes past the offered size: counted and discarded, never stored.
          const extra = this.stream.read(this.config.read_bytes_max);
          if (!extra) return;
          this.extra_bytes += extra.byteLength;
          break;
        }
      }
    }
  }

  /** Reads offer bytes; returns false when it must wait for more (or the state moved on). */
  private readOffer(now: Millis): boolean {
    let want: number;
    try {
      want = offerBytesWanted(this.offerBuffer);
    } catch (error) {
      this.violation(now, error);
      return false;
    }
    if (this.offerBuffer.byteLength < want) {
      const part = this.stream.read(want - this.offerBuffer.byteLength);
      if (!part) return false;
      const joined = new Uint8Array(this.offerBuffer.byteLength + part.byteLength);
      joined.set(this.offerBuffer);
      joined.set(part, this.offerBuffer.byteLength);
      this.offerBuffer = joined;
      this.progressDeadline = now + this.config.progress_timeout_ms;
      return true;
    }
    let offer: Offer;
    try {
      offer = decodeOffer(this.offerBuffer, this.config.size_bytes_max);
    } catch (error) {
      if (error instanceof DecodeError && error.field === 'offer.size' && error.reason === 'oversize') {
        this.sendVerdict(now, 'refused', `the file is larger than this receiver accepts (${this.config.size_bytes_max} bytes)`);
        return false;
      }
      this.violation(now, error);
      return false;
    }
    this.offer = offer;
    this.state = 'deciding';
    this.progressDeadline = undefined;
    this.emit({ type: 'offer', name: offer.name, size_bytes: offer.size_bytes, sha256_hex: hex(offer.sha256) });
    return false;
  }

  private readFile(now: Millis): boolean {
    const offer = this.offer!;
    const left = offer.size_bytes - this.received_bytes;
    if (left > 0) {
      const data = this.stream.read(Math.min(left, this.config.read_bytes_max));
      if (!data) return false;
      this.hash!.update(data);
      this.emit({ type: 'data', offset: this.received_bytes, data });
      this.received_bytes += data.byteLength;
      this.progressDeadline = now + this.config.progress_timeout_ms;
      if (this.received_bytes < offer.size_bytes) return true;
    }
    this.computed = this.hash!.digest();
    this.progressDeadline = undefined;
    if (!equalBytes(this.computed, offer.sha256)) {
      this.sendVerdict(now, 'hash-mismatch', '');
      return true;
    }
    this.state = 'committing';
    this.emit({ type: 'verified', size_bytes: offer.size_bytes, sha256_hex: hex(this.computed) });
    return true;
  }

  private violation(now: Millis, error: unknown): void {
    this.fail(now, 'protocol-violation', `bad offer: ${error instanceof DecodeError ? error.message : String(error)}`);
  }

  handleCommand(now: Millis, command: TransferCommand): void {
    if (this.ended) return this.refuseCommand(command, 'the transfer has ended');
    switch (command.type) {
      case 'accept':
        if (this.state !== 'deciding') return this.refuseCommand(command, 'no offer to accept');
        this.state = 'receiving';
        this.hash = this.config.sha256();
        this.progressDeadline = now + this.config.progress_timeout_ms;
        this.onReadable(now);
        if (this.peerEnded) this.onPeerEnd(now);
        return;
      case 'refuse':
        if (this.state !== 'deciding') return this.refuseCommand(command, 'no offer to refuse');
        return this.sendVerdict(now, 'refused', command.reason);
      case 'committed':
        if (this.state !== 'committing') return this.refuseCommand(command, 'nothing to commit');
        return this.sendVerdict(now, 'ok', '');
      case 'commit-failed':
        if (this.state !== 'committing') return this.refuseCommand(command, 'nothing to commit');
        return this.sendVerdict(now, 'refused', `the receiver could not store the file: ${command.message}`);
      case 'abort':
        return this.fail(now, 'aborted', command.reason ?? 'aborted by the application');
      default:
        return this.refuseCommand(command, 'the receiver takes accept, refuse, committed, commit-failed and abort');
    }
  }

  private sendVerdict(now: Millis, code: VerdictCode, reason: string): void {
    const size = this.offer?.size_bytes ?? 0;
    const message =
      code === 'hash-mismatch'
        ? `sha256 mismatch: received ${hex(this.computed!)}, the sender offered ${hex(this.offer!.sha256)}`
        : code === 'size-mismatch'
          ? `the sender ended after ${this.received_bytes} of ${size} bytes`
          : reason;
    this.outcome = { code, error: code === 'ok' ? undefined : code, message: code === 'ok' ? undefined : message };
    this.pendingVerdict = encodeVerdict({ code, received_bytes: this.received_bytes, sha256: this.computed ?? new Uint8Array(SHA256_BYTES), reason });
    this.state = 'confirming';
    this.progressDeadline = undefined;
    this.closeDeadline = now + this.config.close_timeout_ms;
    this.flushVerdict(now);
  }

  private flushVerdict(now: Millis): void {
    while (this.pendingVerdict.byteLength > 0) {
      const taken = this.stream.write(now, this.pendingVerdict);
      if (taken <= 0) return;
      this.pendingVerdict = this.pendingVerdict.subarray(taken);
    }
    // The sender already finished its stream: our FIN's acknowledgement is the confirmation.
    if (this.peerEnded) this.stream.end(now);
  }

  onWritable(now: Millis): void {
    if (this.state === 'confirming' && this.pendingVerdict.byteLength > 0) this.flushVerdict(now);
  }

  onPeerEnd(now: Millis): void {
    const first = !this.peerEnded;
    this.peerEnded = true;
    this.onReadable(now);
    if (this.ended) return;
    switch (this.state) {
      case 'awaiting-offer':
        return this.fail(now, 'peer-aborted', 'the sender ended the session without an offer');
      case 'receiving':
        if (this.received_bytes < this.offer!.size_bytes) this.sendVerdict(now, 'size-mismatch', '');
        return;
      case 'confirming':
        // The sender finishes its stream only after reading our verdict: that is the ack.
        if (first && this.pendingVerdict.byteLength === 0) {
          this.stream.end(now);
          this.end(true);
        }
        return;
      default:
        return; // deciding / committing: the answer comes with the application's command
    }
  }

  onFinished(_now: Millis): void {
    if (this.state === 'confirming' && this.peerEnded && this.pendingVerdict.byteLength === 0) this.end(true);
  }

  protected onGracefulClose(): void {
    if (this.state === 'confirming') this.end(true);
    else this.finish({ ok: false, error: 'peer-aborted', message: 'the session closed before the transfer finished', confirmed: false });
  }

  private end(confirmed: boolean): void {
    const outcome = this.outcome!;
    this.finish({ ok: outcome.code === 'ok', error: outcome.error, message: outcome.message, verdict: outcome.code, confirmed });
  }

  handleTimeout(now: Millis): void {
    if (this.ended) return;
    if (this.closeDeadline !== undefined && now >= this.closeDeadline) {
      this.stream.end(now);
      return this.end(false);
    }
    if (this.progressDeadline !== undefined && now >= this.progressDeadline) {
      this.fail(now, 'timeout', `no progress for ${this.config.progress_timeout_ms} ms`);
    }
  }
}
