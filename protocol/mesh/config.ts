// Every knob and limit of the mesh overlay, with defaults from the HyParView and Plumtree
// papers and iroh-gossip (docs/reference/overlay.md §4). Units are in the names; every queue,
// view, cache and message has a named bound here and nowhere else.
import type { Addr } from '../core/addr.ts';
import type { Crypto } from '../core/crypto.ts';
import type { Rng } from '../core/rng.ts';

export type DisseminationMode = 'plumtree' | 'flood';

export interface MeshLimits {
  /** HyParView active view: the links messages travel on (paper: log10(N) + c; iroh: 5). */
  readonly active_max: number;
  /** Extra links a node accepts on low-priority requests beyond active_max (never sought). */
  readonly active_slack: number;
  /** Period of a low-priority link request to a random passive peer, made even with a full view. */
  readonly explore_interval_ms: number;
  /** HyParView passive view: known-but-unlinked peers used to repair the active view. */
  readonly passive_max: number;
  /** Active random walk length of a FORWARD_JOIN (paper ARWL). */
  readonly arwl: number;
  /** Passive random walk length: at this TTL the walked node keeps the joiner passively. */
  readonly prwl: number;
  readonly shuffle_interval_ms: number;
  readonly shuffle_active: number;
  readonly shuffle_passive: number;
  /** Retry period of a refill while a node has at most one link. */
  readonly tick_ms: number;
  /** Period of the sweep of expiring caches (seen ids, payloads, reply routes). */
  readonly sweep_ms: number;
  /** Probe a link we have heard nothing from for this long (keepalive.ts: one end, PING/PONG). */
  readonly keepalive_ms: number;
  /** A neighbour silent for this long is dead. */
  readonly dead_ms: number;
  /** A NEIGHBOR/JOIN request without answer is abandoned after this long. */
  readonly request_timeout_ms: number;
  readonly pending_requests_max: number;
  /** Sends of one JOIN or NEIGHBOR request before it is abandoned. */
  readonly request_attempts_max: number;
  /** Join contacts remembered, so a node left with no links at all joins again. */
  readonly contacts_max: number;
  /** Plumtree: wait this long after an IHAVE before grafting the announcer. */
  readonly graft_timeout_ms: number;
  /** Then this long before grafting the next announcer (or the same one again). */
  readonly graft_retry_ms: number;
  /** The first GRAFT waits graft_timeout_ms × (1 + graft_jitter × U[0,1)). */
  readonly graft_jitter: number;
  readonly graft_attempts_max: number;
  /** Fetched first deliveries in a row (no late tree copy) after which a GRAFT re-links the tree. */
  readonly repair_streak: number;
  /** Swap a lazy link into the tree when it announces a message this many hops sooner (paper: 3; 0 = off: with one shared tree and many senders it oscillated in our runs). */
  readonly optimise_hops: number;
  /**
   * Hop-by-hop ACK of eager payloads; an unacknowledged push is re-offered as an IHAVE on the
   * same link up to retransmits_max times (backing off from ack_timeout_ms), and the child
   * GRAFTs it from its parent at once (plumtree.ts says why). For plain lossy datagrams;
   * secure sessions are reliable already (secure-mesh.ts turns this off).
   */
  readonly eager_acks: boolean;
  /**
   * Payload copies an origin sends at once: its eager pushes, and backup copies on lazy links
   * up to this many (plumtree.ts: an origin that dies before any copy got through).
   */
  readonly origin_copies_min: number;
  /** Longer than a round trip on the slowest link, shorter than graft_timeout_ms. */
  readonly ack_timeout_ms: number;
  /** IHAVE items wait this long per lazy link, so announcements of close messages share a datagram. */
  readonly ihave_delay_ms: number;
  /** A lazy link's queue this long goes out at once (bounded batches; ≤ 60 ids fit a datagram). */
  readonly ihave_batch_max: number;
  readonly retransmits_max: number;
  /** The re-offer backoff stops doubling here, so a healed cut meets several re-offers, not one. */
  readonly reoffer_interval_max_ms: number;
  readonly unacked_max: number;
  readonly missing_max: number;
  readonly announcers_max: number;
  /** Dedup: a delivered id is remembered this long (and at most seen_max ids). */
  readonly seen_ttl_ms: number;
  readonly seen_max: number;
  /** Payloads kept for GRAFT and for re-announcing to new neighbours (partition healing). */
  readonly store_ttl_ms: number;
  readonly store_max: number;
  /** IHAVE ids re-announced to one new neighbour. */
  readonly reannounce_max: number;
  /** Encoded mesh message, whole (one datagram over plain UDP). */
  readonly message_bytes_max: number;
  readonly packets_max: number;
  readonly type_bytes_max: number;
  /** Received messages kept for recv() before the oldest is discarded and counted. */
  readonly inbox_max: number;
  readonly handlers_max: number;
  readonly events_max: number;
  readonly transmits_max: number;
  /** Peers lost to failure that we retry, so a healed partition re-links. */
  readonly rejoin_candidates_max: number;
  readonly rejoin_interval_ms: number;
  readonly rejoin_forget_ms: number;
  /** Ids of our own messages a stranger may reply to directly. */
  readonly originated_max: number;
}

export const DEFAULT_LIMITS: MeshLimits = {
  active_max: 5,
  passive_max: 30,
  active_slack: 1,
  explore_interval_ms: 30_000,
  arwl: 6,
  prwl: 3,
  shuffle_interval_ms: 10_000,
  shuffle_active: 3,
  shuffle_passive: 4,
  tick_ms: 500,
  sweep_ms: 5_000,
  keepalive_ms: 2_500,
  dead_ms: 8_000,
  request_timeout_ms: 1_000,
  pending_requests_max: 8,
  request_attempts_max: 4,
  contacts_max: 8,
  // Lazy repair is the backup path (a crashed parent): an eager push that is lost is repaired
  // by its parent's re-offer within ~ack_timeout_ms + a round trip, and a lazy GRAFT racing
  // that repair costs a duplicate. 1–2.5 s after the first IHAVE (0.3–1.2 s before the ACKs
  // made RMR 0.19 at 1,000 peers with 10% loss and 20% churn; this, 0.12).
  graft_timeout_ms: 1_000,
  graft_retry_ms: 250,
  graft_jitter: 1.5,
  graft_attempts_max: 12,
  repair_streak: 3,
  optimise_hops: 0,
  eager_acks: true,
  // At 10% loss all three are lost with p = 1e-3; only then does delivery hang on the origin
  // living until a re-offer gets through.
  origin_copies_min: 3,
  ack_timeout_ms: 200,
  ihave_delay_ms: 50,
  ihave_batch_max: 60,
  // Re-offers at 0.2, 0.6, 1.4, 3, 5, 7, 9, 11, 13 and 15 s: past dead_ms, so a cut shorter
  // than it (the link survives) still gets every push across once it heals, with at least
  // three re-offers after the heal (it was 0.2 … 6.2, 12.6 s: one re-offer after a 7 s cut,
  // and a lost one stranded the push; swarm mesh seed 20). A longer cut kills the link, and
  // the re-linked peers re-announce what they hold.
  retransmits_max: 10,
  reoffer_interval_max_ms: 2_000,
  unacked_max: 4_096,
  missing_max: 4_096,
  announcers_max: 8,
  seen_ttl_ms: 300_000,
  seen_max: 100_000,
  store_ttl_ms: 240_000,
  store_max: 4_096,
  reannounce_max: 256,
  message_bytes_max: 1_200,
  packets_max: 16,
  type_bytes_max: 32,
  inbox_max: 4_096,
  handlers_max: 32,
  events_max: 65_536,
  transmits_max: 65_536,
  rejoin_candidates_max: 16,
  rejoin_interval_ms: 2_000,
  rejoin_forget_ms: 600_000,
  originated_max: 1_024,
};

/** Protocol ids are short so a MISMATCH answer is never larger than the request it answers. */
export const protocol_id_bytes_max = 24;

export interface MeshConfig {
  /** Names the mesh; peers with another id are refused with `protocol-mismatch`. */
  readonly protocol_id: string;
  /** u16: major in the high byte; peers with another major are refused. */
  readonly protocol_version: number;
  /** 32-byte public key: the node id is derived from it (node-id.ts). */
  readonly publicKey: Uint8Array;
  /** The address the machine is bound to. */
  readonly local: Addr;
  /** Advertised to others instead of `local` (py2p's out_addr: a NAT's public side). */
  readonly outward?: Addr;
  readonly mode?: DisseminationMode;
  readonly crypto: Crypto;
  readonly rng: Rng;
  readonly limits?: Partial<MeshLimits>;
  /** Emit graft/prune/shuffle/join debug events (traces of small meshes; off for 1,000). */
  readonly debug_events?: boolean;
}

export class MeshConfigError extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'MeshConfigError';
  }
}

export function resolveLimits(partial: Partial<MeshLimits> | undefined): MeshLimits {
  const limits = { ...DEFAULT_LIMITS, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value === 'boolean') continue;
    if (!Number.isFinite(value) || value < 0) throw new MeshConfigError(`${name} = ${value}`);
  }
  if (limits.active_max < 1) throw new MeshConfigError('active_max must be >= 1');
  if (limits.dead_ms <= limits.keepalive_ms) throw new MeshConfigError('dead_ms must exceed keepalive_ms');
  if (limits.store_ttl_ms > limits.seen_ttl_ms) throw new MeshConfigError('store_ttl_ms must not exceed seen_ttl_ms (exactly-once)');
  if (limits.tick_ms <= 0) throw new MeshConfigError('tick_ms must be > 0');
  if (limits.sweep_ms <= 0) throw new MeshConfigError('sweep_ms must be > 0');
  if (limits.keepalive_ms <= 0) throw new MeshConfigError('keepalive_ms must be > 0');
  return limits;
}
