// What one side of a transfer needs from the secure stream under it (a Peer session in
// FileTransfer, an in-memory pipe in tests).
import type { Millis } from '../core/time.ts';

export interface TransferStream {
  /** Bytes accepted into the send buffer (0 when it is full). */
  write(now: Millis, data: Uint8Array): number;
  /** Up to `max_bytes` in-order bytes, or undefined when none are readable. */
  read(max_bytes: number): Uint8Array | undefined;
  /** FIN after everything written so far. */
  end(now: Millis): void;
  /** Tear the session down; the other side sees peer-aborted with `reason`. */
  abort(now: Millis, reason: string): void;
  /** Stream bytes the other side has acknowledged (the sender's measure of progress). */
  deliveredBytes(): number;
}
