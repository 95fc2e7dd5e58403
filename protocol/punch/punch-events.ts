// Events the punch client emits. `path` is the one applications act on: a usable path to the
// peer, direct or relayed, with how it was found and how long it took.
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

export type PunchEvent =
  | PathEvent
  | NatDiscoveryEvent
  | DropEvent
  | { readonly type: 'registered'; readonly id: string; readonly observed: string; readonly rtt_ms: number; readonly nat: string }
  | { readonly type: 'punch-start'; readonly peer: string; readonly session: number; readonly controlling: boolean; readonly strategy: Strategy; readonly delay_ms: number; readonly nat: NatPair }
  | { readonly type: 'punch-failed'; readonly peer: string; readonly attempts: number }
  | { readonly type: 'path-lost'; readonly peer: string; readonly remote: string }
  | { readonly type: 'rendezvous-error'; readonly code: number }
  /** A relayed payload that is not ours (for the composing machine, e.g. the secure transport). */
  | { readonly type: 'relay-data'; readonly data: Uint8Array };
