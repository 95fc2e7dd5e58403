// Configuration, limits and events of the overlay host (overlay-host.ts). Every queue, table
// and deadline it keeps has a named bound here.
import type { Addr } from '../core/addr.ts';
import type { Crypto } from '../core/crypto.ts';
import type { Rng } from '../core/rng.ts';
import type { PunchClientConfig } from '../punch/punch-config.ts';
import type { RudpConfig } from '../rudp/config.ts';

export interface OverlayLimits {
  /** Links (sessions, opening or open) at once; a new one beyond is refused (counted). */
  readonly links_max: number;
  /**
   * Links we accept (answering a ring) that are still opening: strangers that ring us cannot
   * take more than this many of links_max, so our own dials always find room.
   */
  readonly accepts_opening_max: number;
  /** Overlay messages queued per link while its path and handshake complete. */
  readonly queue_max: number;
  /** A link not open this long after it was asked for is dropped with its queue. */
  readonly setup_timeout_ms: number;
  /** An open link that carried no overlay message either way for this long is closed. */
  readonly idle_ms: number;
  /** Rings waiting for the introducer session (re-sent when it opens). */
  readonly rings_pending_max: number;
  /** After the introducer session closed or failed, connect again this much later. */
  readonly introducer_retry_ms: number;
  readonly events_max: number;
  readonly transmits_max: number;
}

export const OVERLAY_LIMITS: OverlayLimits = {
  links_max: 64,
  accepts_opening_max: 16,
  queue_max: 64,
  setup_timeout_ms: 30_000,
  idle_ms: 60_000,
  rings_pending_max: 64,
  introducer_retry_ms: 2_000,
  events_max: 4_096,
  transmits_max: 16_384,
};

export interface OverlayHostConfig {
  /** 32-byte X25519 secret: the identity every session proves (identity-addr.ts). */
  readonly staticSecret: Uint8Array;
  readonly crypto: Crypto;
  readonly rng: Rng;
  /** The port's own transport address (the host candidate). */
  readonly local: Addr;
  /** The rendezvous server (STUN, registration, punch, relay). */
  readonly server: Addr;
  /** The introducer (introducer.ts) and its pinned public key. */
  readonly introducer: Addr;
  readonly introducerKey: Uint8Array;
  /**
   * Prefix of every rendezvous id this host registers: the overlay's protocol id in short
   * (e.g. "mesh1."). Hosts of other overlays never name ours, so never link with us.
   */
  readonly namespace: string;
  readonly punch?: Partial<PunchClientConfig>;
  readonly rudp?: Partial<RudpConfig>;
  readonly limits?: Partial<OverlayLimits>;
}

export type LinkRole = 'dial' | 'accept';
export type PathKind = 'direct' | 'relay';

export type OverlayDropReason =
  | 'not-identity'
  | 'self'
  | 'links-full'
  | 'accepts-full'
  | 'queue-full'
  | 'send-refused'
  | 'rudp-unroutable'
  | 'punch-unknown-session'
  | 'foreign-protocol'
  | 'introducer-frame'
  | 'rings-full'
  | 'events-full'
  | 'transmits-full';

export type OverlayHostEvent =
  | { readonly type: 'overlay-session-open'; readonly peer: string; readonly role: LinkRole; readonly path: PathKind; readonly technique: string; readonly setup_ms: number }
  | { readonly type: 'overlay-path'; readonly peer: string; readonly path: PathKind; readonly technique: string }
  | {
      readonly type: 'overlay-session-close';
      readonly peer: string;
      /** idle: we closed it; closed: the transport ended; setup-timeout / unreachable / identity-mismatch / rendezvous: it never opened. */
      readonly reason: 'idle' | 'closed' | 'setup-timeout' | 'unreachable' | 'identity-mismatch' | 'rendezvous' | 'replaced';
      readonly dropped: number;
      readonly detail?: string;
    }
  | { readonly type: 'overlay-introducer'; readonly open: boolean }
  | { readonly type: 'overlay-drop'; readonly reason: OverlayDropReason; readonly count: number };
