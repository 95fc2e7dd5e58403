// Every knob and limit of the Chord node, with defaults from Stoica et al. (SIGCOMM 2001 and
// ToN 2003; docs/reference/overlay.md §3.1). Units are in the names; every table, queue and
// message has a named bound here and nowhere else.
import type { Addr } from '../core/addr.ts';
import type { Crypto } from '../core/crypto.ts';
import type { Rng } from '../core/rng.ts';

export interface ChordLimits {
  /** Successor-list length r (paper: O(log N), 2·log2 N expected). Also the replication factor. */
  readonly successors: number;
  /** Period of stabilize (ask successor for its predecessor and list, then notify it). */
  readonly stabilize_ms: number;
  /** After stabilize found a closer successor, the next stabilize comes this soon. */
  readonly stabilize_fast_ms: number;
  /** Period of fixFingers (refresh one finger by a lookup). */
  readonly fix_fingers_ms: number;
  /** After a fix that changed a finger, the next fix comes this soon (fast convergence after joins). */
  readonly fix_fingers_fast_ms: number;
  /** Period of the successor check from afar (repairs "loopy" rings after concurrent joins). */
  readonly check_successor_ms: number;
  /** Period of checkPredecessor (ping it; clear it when silent). */
  readonly check_predecessor_ms: number;
  /** Period of re-replication: a primary refreshes its keys on its r-1 successors. */
  readonly replicate_ms: number;
  /**
   * Adaptive upkeep: every quiet stabilize round doubles the stabilize, fixFingers,
   * checkPredecessor and successor-check periods, up to this factor times their base; any
   * change the node sees puts them back to the base (maintenance.ts; Mahajan et al. IPTPS 2003,
   * Ghinita & Teo IPDPS 2006). 1 turns it off. Re-replication keeps its period (replica TTLs).
   */
  readonly backoff_max_factor: number;
  /** Each period is drawn uniformly in [p·(1-j), p·(1+j)] from the injected Rng. */
  readonly jitter_fraction: number;
  /** A request (lookup hop, ping, get, store) unanswered this long counts as failed. */
  readonly hop_timeout_ms: number;
  /** Hops (queries) one lookup may make, retries included. */
  readonly lookup_hops_max: number;
  /** A whole operation (lookup + data request + retries) ends with `timeout` after this. */
  readonly operation_timeout_ms: number;
  /** Lookups and data requests in flight at once; more are refused with `busy`. */
  readonly pending_max: number;
  /** Candidates a lookup answer carries (best first), for retry via the next-best node. */
  readonly candidates_max: number;
  /** Keys stored (primary + replica + tombstones); a full store refuses new keys. */
  readonly store_keys_max: number;
  readonly key_bytes_max: number;
  readonly value_bytes_max: number;
  /** A replica not refreshed by its primary for this long is dropped (unless we became primary). */
  readonly replica_ttl_ms: number;
  /** A tombstone (deleted key) is forgotten this long after the delete. */
  readonly tombstone_ttl_ms: number;
  /** Largest datagram the node sends or accepts. */
  readonly datagram_bytes_max: number;
  /** Events queued for the application before the newest are dropped (counted). */
  readonly events_max: number;
  /** Datagrams queued for the driver before the newest are dropped (counted). */
  readonly transmits_max: number;
}

export interface ChordConfig {
  /** The ring's name: nodes of different rings never talk (typed `mismatch` on both sides). */
  readonly ring: string;
  /** Identifier bits m (py2p's `k`): ids live in [0, 2^m). 160 by default, small in tests. */
  readonly m_bits?: number;
  /** The node's public key; its id is the top m bits of SHA-256 over it. */
  readonly publicKey: Uint8Array;
  /** The address others reach this node at (its own address over plain datagrams). */
  readonly local: Addr;
  readonly crypto: Crypto;
  readonly rng: Rng;
  readonly limits?: Partial<ChordLimits>;
  /**
   * Route through successor-list entries as well as fingers (ToN 2003's closest_preceding_node).
   * The SIGCOMM paper's path-length figures route by fingers only; the suite measures both.
   */
  readonly route_via_successors?: boolean;
}

export const CHORD_VERSION = 1;
export const m_bits_default = 160;

export const default_limits: ChordLimits = {
  successors: 8,
  stabilize_ms: 1_000,
  stabilize_fast_ms: 20,
  fix_fingers_ms: 1_000,
  fix_fingers_fast_ms: 50,
  check_predecessor_ms: 2_000,
  check_successor_ms: 5_000,
  replicate_ms: 5_000,
  backoff_max_factor: 16,
  jitter_fraction: 0.2,
  hop_timeout_ms: 500,
  lookup_hops_max: 32,
  operation_timeout_ms: 5_000,
  pending_max: 256,
  candidates_max: 4,
  store_keys_max: 100_000,
  key_bytes_max: 128,
  value_bytes_max: 900,
  replica_ttl_ms: 20_000,
  tombstone_ttl_ms: 60_000,
  datagram_bytes_max: 1_200,
  events_max: 4_096,
  transmits_max: 4_096,
};

export class ChordConfigError extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'ChordConfigError';
  }
}

export function resolveLimits(limits: Partial<ChordLimits> | undefined): ChordLimits {
  const l = { ...default_limits, ...limits };
  if (!Number.isInteger(l.successors) || l.successors < 1 || l.successors > 32) throw new ChordConfigError(`successors ${l.successors} not in 1..32`);
  if (l.candidates_max < 1 || l.candidates_max > 16) throw new ChordConfigError(`candidates_max ${l.candidates_max} not in 1..16`);
  if (!(l.backoff_max_factor >= 1) || l.backoff_max_factor > 1_024) throw new ChordConfigError(`backoff_max_factor ${l.backoff_max_factor} not in 1..1024`);
  if (l.jitter_fraction < 0 || l.jitter_fraction >= 1) throw new ChordConfigError(`jitter_fraction ${l.jitter_fraction} not in [0,1)`);
  for (const key of ['stabilize_ms', 'stabilize_fast_ms', 'fix_fingers_ms', 'fix_fingers_fast_ms', 'check_successor_ms', 'check_predecessor_ms', 'replicate_ms', 'hop_timeout_ms', 'operation_timeout_ms'] as const) {
    if (!(l[key] > 0) || !Number.isFinite(l[key])) throw new ChordConfigError(`${key} ${l[key]} must be > 0`);
  }
  // A value plus its key, the header and the framing must fit one datagram.
  if (l.key_bytes_max + l.value_bytes_max + 64 > l.datagram_bytes_max) throw new ChordConfigError('key_bytes_max + value_bytes_max + 64 > datagram_bytes_max');
  return l;
}
