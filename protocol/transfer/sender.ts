// The sending side: writes the OFFER and then the file, pulling it from the application one
// chunk at a time (`need-data` → `data`), reads the receiver's VERDICT, and reports success
// only when the verdict says the receiver verified the same sha256 over the same size. Then
// it finishes its stream, and ends once that FIN is acknowledged (the receiver then knows the
// verdict arrived) or close_timeout_ms later.
import { equalBytes, hex } from '../core/bytes.ts';
import { DecodeError } from '../core/decode-error.ts';
import type { Millis } from '../core/time.ts';
import type { TransferConfig } from './config.ts';
import type { TransferCommand, TransferErrorCode, TransferOwnEvent } from './events.ts';
import { SideBase, type TransferSide } from './side.ts';
import type { TransferStream } from './stream.ts';
import { decodeVerdict, encodeOffer, verdictBytesWanted, type Offer, type Verdict } from './wire.ts';

type SenderState = 'idle' | 'sending' | 'awaiting-verdict' | 'closing';

export class TransferSender extends SideBase implements TransferSide {
  readonly role = 'sender' as const;
  private state: SenderState = 'idle';
  /** Offer bytes not yet taken by the stream. */
  private header: Uint8Array;
  /** File bytes supplied by the application and not yet taken by the stream. */
  private chunk: Uint8Array = new Uint8Array(0);
  private supplied_bytes = 0;
  private written_bytes = 0;
  private awaitingData = false;
  private sourceFailure: string | undefined;
  private verdictBuffer: Uint8Array = new Uint8Array(0);
  private verdict: Verdict | undefined;
  private outcome: { ok: boolean; error?: TransferErrorCode; message?: string } | undefined;
  private delivered_bytes = 0;
  private finSent = false;
  extra_bytes = 0;

  constructor(config: TransferConfig, stream: TransferStream, emit: (event: TransferOwnEvent) => void, private readonly offer: Offer) {
    super(config, stream, emit);
    this.header = encodeOffer(offer);
  }

  protected figures(): { size_bytes: number; bytes: number; sha256_hex?: string } {
    return { size_bytes: this.offer.size_bytes, bytes: this.written_bytes, sha256_hex: hex(this.offer.sha256) };
  }

  start(now: Millis): void {
    if (this.state !== 'idle' || this.ended) return;
    this.state = 'sending';
    this.progressDeadline = now + this.config.progress_timeout_ms;
    this.pump(now);
  }

  onWritable(now: Millis): void {
    if (this.state === 'sending') this.pump(now);
  }

  private pump(now: Millis): void {
    while (this.header.byteLength > 0) {
      const taken = this.stream.write(now, this.header);
      if (taken <= 0) return;
      this.header = this.header.subarray(taken);
    }
    while (this.chunk.byteLength > 0) {
      const taken = this.stream.write(now, this.chunk);
      if (taken <= 0) return;
      this.chunk = this.chunk.subarray(taken);
      this.written_bytes += taken;
    }
    if (this.written_bytes >= this.offer.size_bytes) {
      this.state = 'awaiting-verdict';
      return;
    }
    if (!this.awaitingData && this.sourceFailure === undefined) {
      this.awaitingData = true;
      const max_bytes = Math.min(this.config.chunk_bytes, this.offer.size_bytes - this.supplied_bytes);
      this.emit({ type: 'need-data', offset: this.supplied_bytes, max_bytes });
    }
  }

  handleCommand(now: Millis, command: TransferCommand): void {
    if (this.ended) return this.refuseCommand(command, 'the transfer has ended');
    switch (command.type) {
      case 'data': {
        if (this.state !== 'sending' || !this.awaitingData) return this.refuseCommand(command, 'no data was asked for');
        const max_bytes = Math.min(this.config.chunk_bytes, this.offer.size_bytes - this.supplied_bytes);
        const size = command.data.byteLength;
        if (size === 0 || size > max_bytes) return this.refuseCommand(command, `${size} bytes; 1..${max_bytes} asked for`);
        this.awaitingData = false;
        this.chunk = command.data;
        this.supplied_bytes += size;
        return this.pump(now);
      }
      case 'source-failed':
        if (this.state !== 'sending') return this.refuseCommand(command, 'not sending');
        // Finish the stream early: the receiver sees fewer bytes than offered and says so, so
        // both sides end with the same size-mismatch verdict.
        this.sourceFailure = command.message;
        this.awaitingData = false;
        this.chunk = new Uint8Array(0);
        this.state = 'awaiting-verdict';
        this.finSent = true;
        this.stream.end(now);
        return;
      case 'abort':
        return this.fail(now, 'aborted', command.reason ?? 'aborted by the application');
      default:
        return this.refuseCommand(command, 'the sender takes data, source-failed and abort');
    }
  }

  onReadable(now: Millis): void {
    for (;;) {
      if (this.ended) return;
      if (this.verdict) {
        // Nothing is expected after the verdict; count and discard (the stream bounds it).
        const extra = this.stream.read(this.config.read_bytes_max);
        if (!extra) return;
        this.extra_bytes += extra.byteLength;
        continue;
      }
      let want: number;
      try {
        want = verdictBytesWanted(this.verdictBuffer);
      } catch (error) {
        return this.violation(now, error);
      }
      if (this.verdictBuffer.byteLength < want) {
        const part = this.stream.read(want - this.verdictBuffer.byteLength);
        if (!part) return;
        const joined = new Uint8Array(this.verdictBuffer.byteLength + part.byteLength);
        joined.set(this.verdictBuffer);
        joined.set(part, this.verdictBuffer.byteLength);
        this.verdictBuffer = joined;
        continue;
      }
      let verdict: Verdict;
      try {
        verdict = decodeVerdict(this.verdictBuffer, this.offer.size_bytes);
      } catch (error) {
        return this.violation(now, error);
      }
      this.onVerdict(now, verdict);
    }
  }

  private violation(now: Millis, error: unknown): void {
    const message = error instanceof DecodeError ? error.message : String(error);
    this.fail(now, 'protocol-violation', `bad verdict: ${message}`);
  }

  private onVerdict(now: Millis, verdict: Verdict): void {
    this.verdict = verdict;
    this.progressDeadline = undefined;
    if (verdict.code === 'ok') {
      const complete = this.state === 'awaiting-verdict' && this.sourceFailure === undefined && this.written_bytes === this.offer.size_bytes;
      if (!complete || verdict.received_bytes !== this.offer.size_bytes || !equalBytes(verdict.sha256, this.offer.sha256)) {
        return this.fail(now, 'protocol-violation', 'the receiver confirmed bytes we did not send');
      }
      this.outcome = { ok: true };
    } else {
      const why = verdict.reason ? `: ${verdict.reason}` : '';
      const detail =
        verdict.code === 'hash-mismatch'
          ? `the receiver computed sha256 ${hex(verdict.sha256)}, we offered ${hex(this.offer.sha256)}`
          : verdict.code === 'size-mismatch'
            ? `the receiver got ${verdict.received_bytes} of ${this.offer.size_bytes} bytes${this.sourceFailure ? ` (our file could not be read: ${this.sourceFailure})` : ''}`
            : 'the receiver refused the file';
      this.outcome = { ok: false, error: verdict.code, message: `${detail}${why}` };
    }
    // Finish our stream (stopping any file bytes not yet written) and wait for its ACK.
    this.chunk = new Uint8Array(0);
    this.awaitingData = false;
    this.state = 'closing';
    if (!this.finSent) this.stream.end(now);
    this.finSent = true;
    this.closeDeadline = now + this.config.close_timeout_ms;
  }

  onFinished(_now: Millis): void {
    if (this.state === 'closing') this.end(true);
  }

  onPeerEnd(now: Millis): void {
    this.onReadable(now);
    if (this.ended || this.verdict) return;
    this.fail(now, 'peer-aborted', 'the receiver ended the session without a verdict');
  }

  protected onGracefulClose(): void {
    if (this.state === 'closing') this.end(true);
    else this.finish({ ok: false, error: 'peer-aborted', message: 'the session closed without a verdict', confirmed: false });
  }

  private end(confirmed: boolean): void {
    const outcome = this.outcome ?? { ok: false, error: 'peer-aborted' as const, message: 'no verdict' };
    this.finish({ ...outcome, verdict: this.verdict?.code, confirmed });
  }

  handleTimeout(now: Millis): void {
    if (this.ended) return;
    if (this.closeDeadline !== undefined && now >= this.closeDeadline) return this.end(false);
    if (this.progressDeadline !== undefined && now >= this.progressDeadline) {
      const delivered = this.stream.deliveredBytes();
      if (delivered > this.delivered_bytes) {
        this.delivered_bytes = delivered;
        this.progressDeadline = now + this.config.progress_timeout_ms;
        return;
      }
      this.fail(now, 'timeout', `no progress for ${this.config.progress_timeout_ms} ms`);
    }
  }
}
