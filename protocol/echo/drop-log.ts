// What the echo machines refuse: a count per reason plus one `echo-drop` event each, and the
// decode step that turns a bad datagram into such a drop. Client and server share it so a
// malformed or corrupted datagram is classified the same way on both sides.
import { DecodeError } from '../core/decode-error.ts';
import { decodeEcho, type EchoMessage } from './codec.ts';
import { emptyDrops, type EchoDropReason } from './events.ts';

export interface EchoDropEvent {
  readonly type: 'echo-drop';
  readonly reason: EchoDropReason;
  readonly from: string;
  readonly detail: string;
}

/** Where the drop events go: the machine's own bounded event queue. */
export interface EchoDropSink {
  push(event: EchoDropEvent): unknown;
}

export class EchoDropLog {
  readonly counts = emptyDrops();

  constructor(private readonly sink: EchoDropSink) {}

  add(reason: EchoDropReason, from: string, detail: string): void {
    this.counts[reason]++;
    this.sink.push({ type: 'echo-drop', reason, from, detail });
  }

  /** Decodes one datagram; on a DecodeError records the drop and returns undefined. */
  decode(data: Uint8Array, payload_bytes_max: number, from: string): EchoMessage | undefined {
    try {
      return decodeEcho(data, payload_bytes_max);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      this.add(error.field === 'checksum' ? 'corrupt' : 'malformed', from, error.message);
      return undefined;
    }
  }
}
