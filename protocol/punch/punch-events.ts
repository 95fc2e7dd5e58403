// Events the punch client emits. `path` is the one applications act on: a usable path to the
// peer, direct or relayed, with how it was found and how long it took.
//
// Path changes and the secure session (the contract with protocol/peer): with
// `validate_path_changes` set, the client never replaces an established path on its own. It
// emits `path-proposed` (the pair its checks or the controlling peer's NOMINATE found) and keeps
// using the current path; the composing machine validates the new pair inside the secure
// session (a PATH_CHALLENGE / PATH_RESPONSE exchange, sent with PunchClient.sendProposed) and
// answers with the command `path-validated` (the client switches and emits `path`) or
// `path-rejected`. The first path of a session needs no validation: the handshake over it
// authenticates the peer. Without the flag (a bare punch client, as in nat-matrix) the client
// switches at once, as before.
import type { DropEvent } from './drop-counter.ts';
import type { NatDiscoveryEvent } from './nat-discovery.ts';
import type { Strategy } from './strategy.ts';

export type Technique = 'host' | 'hairpin' | 'simultaneous-open' | 'prediction' | 'birthday' | 'relay';

export interface NatPair {
  readonly local: string;
  readonly peer: string;
}

export interface PathEvent {
  readonly type: 'path';
  readonly path: 'direct' | 'relay';
  readonly peer: string;
  /** Where datagrams go: the peer's address, or the relay server's. */
  readonly remote: string;
  readonly local: string;
  readonly rtt_ms: number;
  /** Probes sent in this punch attempt before the path was found. */
  readonly attempts: number;
  /** From receiving the punch instruction to this path. */
  readonly elapsed_ms: number;
  readonly nat: NatPair;
  readonly technique: Technique;
  /** True for a relay -> direct upgrade. */
  readonly upgrade: boolean;
}

/** A better direct pair was found; switch only after `path-validated` (see the header). */
export interface PathProposedEvent {
  readonly type: 'path-proposed';
  readonly peer: string;
  readonly remote: string;
  readonly local: string;
  readonly rtt_ms: number;
  readonly technique: Technique;
  /** True when the current path is the relay. */
  readonly upgrade: boolean;
}

/** Names of the path-validation handshake between the punch client and its composing machine. */
export const PATH_PROPOSED = 'path-proposed';
export const PATH_VALIDATED = 'path-validated';
export const PATH_REJECTED = 'path-rejected';

export type PunchEvent =
  | PathEvent
  | PathProposedEvent
  | NatDiscoveryEvent
  | DropEvent
  | { readonly type: 'registered'; readonly id: string; readonly observed: string; readonly rtt_ms: number; readonly nat: string }
  | { readonly type: 'punch-start'; readonly peer: string; readonly session: number; readonly controlling: boolean; readonly strategy: Strategy; readonly delay_ms: number; readonly nat: NatPair }
  | { readonly type: 'punch-failed'; readonly peer: string; readonly attempts: number }
  | { readonly type: 'path-lost'; readonly peer: string; readonly remote: string }
  /**
   * Conntrack clash recovery (repunch.ts): we lead a re-punch from the spare socket `local`,
   * whose public address is `candidate`, or follow the peer's, probing its `candidate`.
   */
  | { readonly type: 'repunch'; readonly peer: string; readonly role: 'lead' | 'follow'; readonly attempt: number; readonly local: string; readonly candidate: string }
  | { readonly type: 'rendezvous-error'; readonly code: number }
  /** The id is held at the rendezvous by another token: reported at once, not at timeout. */
  | { readonly type: 'register-conflict'; readonly id: string }
  /** An id (ours, the peer to dial or the peer to accept) cannot be sent: 1..64 UTF-8 bytes. */
  | { readonly type: 'id-invalid'; readonly field: 'id' | 'connect_to' | 'accept_from' | 'peer'; readonly reason: 'empty' | 'too-long'; readonly bytes_max: number }
  /** The rendezvous ended our relay circuit: its per-pair budget or its duration is used up. */
  | { readonly type: 'relay-limit'; readonly peer: string; readonly reason: 'budget' | 'duration' }
  /** A bug caught at the machine boundary (never thrown out of handle*). */
  | { readonly type: 'machine-error'; readonly where: string; readonly message: string }
  /** A relayed payload that is not ours (for the composing machine, e.g. the secure transport). */
  | { readonly type: 'relay-data'; readonly data: Uint8Array };
