// One link of the active view: who is at the other end (key, id, address) and the two stored
// deadlines that keep it honest (send a PING at pingAt, declare it dead at deadAt; keepalive.ts).
import type { Addr } from '../core/addr.ts';
import type { Millis } from '../core/time.ts';

export interface Neighbour {
  readonly id: string;
  readonly key: Uint8Array;
  /** Where its datagrams come from (the link). */
  readonly addr: Addr;
  readonly addrKey: string;
  /** What it advertises to others (its outward address). */
  readonly advertised: Addr;
  /** Plumtree: payloads go to eager links, IHAVEs to lazy ones. */
  eager: boolean;
  /** No payload has come over this link yet (a duplicate then is the cost of a new link). */
  fresh: boolean;
  /** This end probes an idle link first (the smaller key); the other end only backs it up. */
  readonly pinger: boolean;
  pingAt: Millis;
  deadAt: Millis;
}

/** A known but unlinked peer (HyParView passive view), or a rejoin candidate. */
export interface KnownPeer {
  readonly key: Uint8Array;
  readonly addr: Addr;
  readonly addrKey: string;
  /** Rejoin candidates are forgotten after this. */
  readonly until: Millis;
}

export interface PendingRequest {
  readonly kind: 'join' | 'neighbor';
  readonly addr: Addr;
  deadline: Millis;
  readonly high: boolean;
  /** An exploratory link: it starts lazy on both ends (no tree cycle to prune). */
  readonly lazy: boolean;
  /** Sends so far (requests are retried: a lost JOIN must not strand a node). */
  attempts: number;
}
