// One link of the overlay host: a Peer (protocol/peer: punch client + Noise session on the
// host's port) dedicated to one remote identity, registered at the rendezvous under the link's
// own id (identity-addr.ts linkId) and naming the mirror id of the other side, so the
// rendezvous' one-to-one consent holds per link. Keeps the messages that wait for the session
// (bounded) and the link's deadline (setup, then idle).
import type { Addr } from '../core/addr.ts';
import { utf8 } from '../core/bytes.ts';
import type { Millis } from '../core/time.ts';
import { Peer } from '../peer/peer.ts';
import { linkId, type Identity } from './identity-addr.ts';
import type { LinkRole, OverlayHostConfig, OverlayLimits, PathKind } from './overlay-config.ts';

export type LinkState = 'opening' | 'open';

export class OverlayLink {
  readonly peer: Peer;
  state: LinkState = 'opening';
  path: PathKind | undefined;
  technique = '';
  /** The proven key, once the session is open (its digest is `remote.digest`). */
  key: Uint8Array | undefined;
  readonly queue: Uint8Array[] = [];
  /** The Peer's own next deadline, cached by the host after each touch (undefined: none). */
  due: Millis | undefined = 0;
  /** Setup deadline while opening, idle deadline once open. */
  deadline: Millis;
  /** Punch sessions this link has run (relay frames and probes carry their number). */
  readonly punchSessions = new Set<number>();
  readonly opened_at: Millis;

  constructor(
    readonly remote: Identity | { readonly digest: Uint8Array; readonly name: string; readonly addr: Addr; readonly publicKey?: undefined },
    readonly role: LinkRole,
    self: Identity,
    config: OverlayHostConfig,
    limits: OverlayLimits,
    now: Millis,
  ) {
    const mine = linkId(config.namespace, self.digest, remote.digest);
    const theirs = linkId(config.namespace, remote.digest, self.digest);
    this.opened_at = now;
    this.deadline = now + limits.setup_timeout_ms;
    this.peer = new Peer({
      id: mine,
      // Derived, not drawn: a link re-created within the rendezvous' registration lifetime
      // must present the same token, or the server reports a conflict until the old one expires.
      token: config.crypto.hmacSha256(config.staticSecret, utf8(`peerlab-overlay-token:${mine}`)).slice(0, 16),
      server: config.server,
      local: config.local,
      ...(role === 'dial' ? { connect_to: theirs } : {}),
      staticSecret: config.staticSecret,
      ...(remote.publicKey ? { expectedPeer: remote.publicKey } : {}),
      crypto: config.crypto,
      rng: config.rng,
      punch: { discovery: { classify: false }, ...config.punch, ...(role === 'accept' ? { accept_from: theirs } : {}) },
      rudp: { ...config.rudp, mode: 'message' },
    });
  }

  /** Queues a message for the session; false when the queue is full. */
  enqueue(data: Uint8Array, queue_max: number): boolean {
    if (this.queue.length >= queue_max) return false;
    this.queue.push(data);
    return true;
  }
}
