// What a mesh node tells its application (and the trace): link changes, delivered messages,
// protocol mismatches, refused commands and (optionally) debug steps of the protocols.
export type MeshFlag = 'broadcast' | 'whisper' | 'reply';

/** Why a command was refused. Every refusal is one of these, never an exception. */
export type MeshErrorCode =
  | 'message-too-large'
  | 'too-many-packets'
  | 'type-too-long'
  | 'no-neighbours'
  | 'unknown-message'
  | 'pending-full'
  | 'self-connect'
  | 'already-connected'
  | 'transmit-queue-full';

/** Counted, typed reasons for dropping input from the network. */
export type MeshDropReason =
  | 'malformed'
  | 'not-a-neighbour'
  | 'unsolicited'
  | 'identity-mismatch'
  | 'duplicate'
  | 'self'
  | 'inbox-full'
  | 'missing-full'
  | 'events-full'
  | 'transmits-full'
  | 'unknown-reply';

export type MeshEvent =
  | { readonly type: 'neighbor-up'; readonly peer: string; readonly addr: string }
  | { readonly type: 'neighbor-down'; readonly peer: string; readonly addr: string; readonly reason: 'disconnect' | 'dead' | 'evicted' | 'local' | 'rejected' }
  /** A message reached the application (once per id). `from` is the link it came over. */
  | {
      readonly type: 'message';
      readonly id: string;
      readonly flag: MeshFlag;
      readonly sender: string;
      readonly msg_type: string;
      readonly hops: number;
      readonly from: string;
      readonly size_bytes: number;
      /** broadcasts: pushed on a tree link (or flooded), or fetched by GRAFT after an IHAVE */
      readonly via?: 'push' | 'graft';
    }
  /** A later copy of a broadcast already delivered (Plumtree prunes the link it came on). */
  | { readonly type: 'duplicate'; readonly id: string; readonly hops: number; readonly from: string }
  /** We originated a broadcast (the root of its dissemination tree). */
  | { readonly type: 'sent'; readonly id: string; readonly flag: MeshFlag; readonly msg_type: string; readonly size_bytes: number }
  | {
      readonly type: 'protocol-mismatch';
      readonly addr: string;
      readonly local_id: string;
      readonly local_version: number;
      readonly remote_id: string;
      readonly remote_version: number;
    }
  | { readonly type: 'mesh-error'; readonly code: MeshErrorCode; readonly detail: string }
  | { readonly type: 'mesh-debug'; readonly what: 'graft' | 'prune' | 'join' | 'forward-join' | 'shuffle' | 'promote' | 'rejoin'; readonly peer: string };

/** A typed refusal thrown by the application-facing API that py2p also raises from (handlers). */
export class MeshError extends Error {
  constructor(
    readonly code: MeshErrorCode | 'handler-arity' | 'handlers-full',
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'MeshError';
  }
}

/** A node's counters: every dropped input by reason, and what it sent. */
export function meshCounters(): Record<MeshDropReason | 'handler-error' | 'sent_datagrams' | 'dissemination_datagrams' | 'dissemination_bytes', number> {
  return {
    malformed: 0,
    'not-a-neighbour': 0,
    unsolicited: 0,
    'identity-mismatch': 0,
    duplicate: 0,
    self: 0,
    'inbox-full': 0,
    'missing-full': 0,
    'events-full': 0,
    'transmits-full': 0,
    'unknown-reply': 0,
    'handler-error': 0,
    sent_datagrams: 0,
    /** GOSSIP, IHAVE, GRAFT, PRUNE, ACK: the cost of broadcasting (membership excluded). */
    dissemination_datagrams: 0,
    dissemination_bytes: 0,
  };
}

export type MeshCounters = ReturnType<typeof meshCounters>;
