// Commands, events and typed errors of a TypedPeer (peerpy's Peer/Connection over our secure
// transport). Every failure is a typed value both sides can assert on.
import type { Addr } from '../core/addr.ts';
import type { ConnectionOptions, DataType, DenyReason } from './typed-wire.ts';
import type { Value } from './value-codec.ts';

export type { ConnectionOptions, DataType, DenyReason } from './typed-wire.ts';

/** What travels on a connection: bytes for `bytes`, any JSON value for `json`, a plain value for `value`. */
export type Payload = Value;

export type TypedCloseError =
  /** The other side (or we) closed normally. */
  | 'closed'
  /** A message of another data type on a strict connection. */
  | 'strict-violation'
  /** A stream frame of another size than the connection's dataSize. */
  | 'frame-size'
  /** The HELLO was answered with DENY (see `reason`). */
  | 'denied'
  /** No ACCEPT/DENY (or no HELLO) within hello_timeout_ms. */
  | 'timeout'
  /** A frame that does not parse, or a frame out of order. */
  | 'protocol'
  /** The secure session ended under us (idle timeout, abort, peer vanished). */
  | 'transport';

export type SendError = 'not-open' | 'wrong-type' | 'frame-size' | 'too-large' | 'blocked';

export type TypedCommand =
  | { readonly type: 'connect'; readonly remote: Addr; readonly expectedPeer?: Uint8Array; readonly options?: Partial<ConnectionOptions> }
  /** The application's answer to an `offer` (peerpy's offer handler). */
  | { readonly type: 'answer'; readonly conn: number; readonly accept: boolean; readonly reason?: string }
  /** `dataType` defaults to the connection's; another type on a strict connection is a violation the peer enforces. */
  | { readonly type: 'send'; readonly conn: number; readonly data: Payload; readonly dataType?: DataType }
  | { readonly type: 'broadcast'; readonly data: Payload }
  | { readonly type: 'close'; readonly conn: number };

export type TypedEvent =
  /** An incoming HELLO: answer it with the `answer` command (or `decide` in the config answers at once). */
  | { readonly type: 'offer'; readonly conn: number; readonly name: string; readonly peer_key_hex: string; readonly options: ConnectionOptions }
  | { readonly type: 'connection'; readonly conn: number; readonly role: 'dialer' | 'listener'; readonly peer_key_hex: string; readonly options: ConnectionOptions }
  | { readonly type: 'data'; readonly conn: number; readonly dataType: DataType; readonly data: Payload }
  | { readonly type: 'close'; readonly conn: number; readonly error: TypedCloseError; readonly reason?: DenyReason | string; readonly by: 'local' | 'peer' }
  | { readonly type: 'send-failed'; readonly conn: number; readonly error: SendError; readonly message: string }
  | { readonly type: 'connect-failed'; readonly error: 'max-connections' | 'endpoint-full'; readonly message: string };
