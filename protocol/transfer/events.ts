// What the file-transfer machine tells its application, what it can be told, and the typed
// ways a transfer ends. Events carry no more than one chunk of file bytes (`data`), which
// traces print as a short hex prefix.
import type { PeerEvent } from '../peer/peer.ts';
import type { RudpErrorCode } from '../rudp/errors.ts';
import type { VerdictCode } from './wire.ts';

export type TransferRole = 'sender' | 'receiver' | 'session-only';

export type TransferErrorCode =
  /** The receiver got fewer or more bytes than offered. */
  | 'size-mismatch'
  /** The receiver's sha256 differs from the offered one. */
  | 'hash-mismatch'
  /** The receiver refused the offer (too large, bad name, could not store it). */
  | 'refused'
  /** The other side aborted the session or ended it without finishing the protocol. */
  | 'peer-aborted'
  /** No progress for progress_timeout_ms, or the transport gave up (idle, handshake). */
  | 'timeout'
  /** The relay carrying the session hit a limit and cut the circuit. */
  | 'relay-limit'
  /** The other side broke the wire format. */
  | 'protocol-violation'
  /** Our own application gave up (the sender's file could not be read, an abort). */
  | 'aborted'
  /** The secure session failed for another reason (identity refused, …): see `transport`. */
  | 'transport';

export type TransferCommand =
  /** Sender: the next bytes of the file, answering `need-data` (at most `max_bytes`). */
  | { readonly type: 'data'; readonly data: Uint8Array }
  /** Sender: the file cannot be read any further (the receiver will see a size mismatch). */
  | { readonly type: 'source-failed'; readonly message: string }
  /** Receiver: take the offered file. */
  | { readonly type: 'accept' }
  /** Receiver: refuse the offered file. */
  | { readonly type: 'refuse'; readonly reason: string }
  /** Receiver: the verified file is stored under its final name (answers `verified`). */
  | { readonly type: 'committed' }
  /** Receiver: the verified file could not be stored; the sender is told `refused`. */
  | { readonly type: 'commit-failed'; readonly message: string }
  /** Either side: give up now. */
  | { readonly type: 'abort'; readonly reason?: string };

export interface TransferEnd {
  readonly type: 'transfer-end';
  readonly role: TransferRole;
  readonly ok: boolean;
  readonly error?: TransferErrorCode;
  readonly message?: string;
  /** The secure transport's own error when it caused the end. */
  readonly transport?: RudpErrorCode;
  /** The verdict both sides agree on, when one was exchanged. */
  readonly verdict?: VerdictCode;
  /** Offered size (0 before an offer). */
  readonly size_bytes: number;
  /** File bytes moved: accepted by the stream (sender) or received (receiver). */
  readonly bytes: number;
  readonly sha256_hex?: string;
  /** The other side acknowledged the end (false: we stopped waiting after close_timeout_ms). */
  readonly confirmed: boolean;
}

export type TransferOwnEvent =
  /** Sender: supply up to `max_bytes` of the file from `offset` with a `data` command. */
  | { readonly type: 'need-data'; readonly offset: number; readonly max_bytes: number }
  /** Receiver: the other side offers a file; answer `accept` or `refuse`. */
  | { readonly type: 'offer'; readonly name: string; readonly size_bytes: number; readonly sha256_hex: string }
  /** Receiver: file bytes at `offset`, already counted into the sha256. */
  | { readonly type: 'data'; readonly offset: number; readonly data: Uint8Array }
  /** Receiver: every byte arrived and the sha256 matches; store the file, then `committed`. */
  | { readonly type: 'verified'; readonly size_bytes: number; readonly sha256_hex: string }
  /** A command that does not fit the current state (ignored). */
  | { readonly type: 'command-refused'; readonly command: TransferCommand['type']; readonly reason: string }
  /** Exactly once: the outcome, when the machine is done (the runtime may stop). */
  | TransferEnd;

/** Everything the composed machine emits: the peer's events (minus stream plumbing) and ours. */
export type TransferEvent = PeerEvent | TransferOwnEvent;
