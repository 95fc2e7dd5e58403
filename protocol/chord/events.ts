// What a Chord node tells its application (and the trace): ring changes, the results of
// dict operations (py2p's get/set/delete/update) with typed errors, lookups with their hop
// path, and protocol mismatches (reported on both sides, where py2p stays silent).
import type { Identity } from './wire.ts';
import { hex } from '../core/bytes.ts';

/** Why an operation failed. Every failure is one of these, never an exception. */
export type ChordErrorCode =
  | 'not-found' // get: no live replica holds the key (py2p KeyError)
  | 'timeout' // no answer in time on any path (py2p socket.timeout)
  | 'busy' // pending operations at pending_max
  | 'too-large' // key or value beyond the limits
  | 'invalid-key' // empty key
  | 'not-joined' // the node is not on a ring yet
  | 'mismatch' // the other side runs another ring, m or version
  | 'store-full'; // the responsible node's store is full

export type ChordOp = 'get' | 'set' | 'delete' | 'update' | 'lookup' | 'join';

/** Counted, typed reasons for dropping input from the network. */
export type ChordDropReason = 'malformed' | 'mismatch' | 'unsolicited' | 'stale-reply' | 'events-full' | 'transmits-full' | 'store-full' | 'too-large';

export interface NodeInfo {
  readonly id: string;
  readonly addr: string;
}

export type ChordEvent =
  | { readonly type: 'joined'; readonly id: string; readonly successor: NodeInfo }
  | { readonly type: 'successor-changed'; readonly successor: NodeInfo }
  | { readonly type: 'predecessor-changed'; readonly predecessor: NodeInfo | undefined }
  | { readonly type: 'get-result'; readonly op: number; readonly key: string; readonly value: Uint8Array; readonly found: boolean; readonly hops: number }
  | { readonly type: 'set-result'; readonly op: number; readonly key: string; readonly version: number; readonly hops: number }
  | { readonly type: 'delete-result'; readonly op: number; readonly key: string; readonly hops: number }
  | { readonly type: 'update-result'; readonly op: number; readonly keys: number }
  | { readonly type: 'lookup-result'; readonly op: number; readonly target: string; readonly successor: NodeInfo; readonly hops: number; readonly path: readonly string[]; readonly timeouts: number }
  | { readonly type: 'error'; readonly op: number; readonly operation: ChordOp; readonly code: ChordErrorCode; readonly detail: string }
  /** side 'inbound': a stranger of another ring wrote to us; 'outbound': we wrote to one. */
  | { readonly type: 'mismatch'; readonly side: 'inbound' | 'outbound'; readonly remote: string; readonly ours: IdentityText; readonly theirs: IdentityText }
  /** The distinct nodes of the finger table changed (for the viewer's ring view; at most m ids). */
  | { readonly type: 'fingers'; readonly fingers: readonly string[] }
  | { readonly type: 'left' };

export interface IdentityText {
  readonly version: number;
  readonly m_bits: number;
  readonly ring_tag: string;
}

export function identityText(identity: Identity): IdentityText {
  return { version: identity.version, m_bits: identity.m_bits, ring_tag: hex(identity.ring_tag) };
}
