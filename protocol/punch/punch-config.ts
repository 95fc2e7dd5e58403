// Configuration of the punch client: identity, addresses, and every timer and bound it uses.
// Defaults follow nat.md: keepalive below Linux's 30 s conntrack timer (Tailscale refreshes at
// 25-27 s, QUIC at 30 s), ICE-like pacing, libp2p-like relay limits, Tailscale's birthday sizes.
import type { Addr } from '../core/addr.ts';
import type { NatDiscoveryConfig } from './nat-discovery.ts';

export interface PunchClientConfig {
  readonly id: string;
  /** 16 random bytes; only the holder can refresh or replace the registration of `id`. */
  readonly token: Uint8Array;
  /** The rendezvous server's primary address (it serves STUN there too). */
  readonly server: Addr;
  /** The primary bound address (the host candidate). */
  readonly local: Addr;
  /** Extra bound sockets used as the hard side of birthday probing (send from them via Transmit.local). */
  readonly spares: readonly Addr[];
  /** Ask the rendezvous for this peer as soon as registered (the initiating, controlling side). */
  readonly connect_to?: string;
  /**
   * The one peer we agree to be punched with (the accepting side). The server punches only
   * when both sides have named each other, and the client takes punches for this peer (or
   * `connect_to`) only.
   */
  readonly accept_from?: string;
  /**
   * Never replace an established path by ourselves: emit `path-proposed` and switch on the
   * `path-validated` command (the secure session checked the new pair; punch-events.ts).
   */
  readonly validate_path_changes: boolean;
  /**
   * Relay first, upgrade later (issue 15): the relay circuit the server opens with every punch
   * becomes the path the moment the punch instruction arrives (a `path` event, technique
   * `relay`), so a session can start over it at once while the direct checks run in parallel;
   * a direct pair found later replaces it (after validation with `validate_path_changes`).
   * Off: the relay is taken only when punching gives up (`relay_after_ms`), as in wave 1.
   */
  readonly relay_first: boolean;
  readonly discovery: Partial<Omit<NatDiscoveryConfig, 'server'>>;
  /** One new connectivity check per `pace_ms` (ICE's Ta is 50 ms; we are one flow, so faster). */
  readonly pace_ms: number;
  readonly check_rto_ms: number;
  readonly check_retries_max: number;
  readonly first_burst: number;
  readonly checks_max: number;
  /** Ports tried from the predicted one of a sequential NAT. */
  readonly prediction_window: number;
  /**
   * Of those, how many below the prediction: the peer may already have a mapping towards us
   * from an earlier attempt, made before it advertised its newest prediction.
   */
  readonly prediction_back: number;
  /** While the server holds our connect request for a peer not yet registered, ask again this often. */
  readonly pending_retry_ms: number;
  readonly pending_retries_max: number;
  readonly birthday_probes_max: number;
  readonly birthday_pace_ms: number;
  readonly birthday_port_min: number;
  readonly birthday_port_max: number;
  /** The hard side re-sends from its spare ports this often, so a hit that was lost still lands. */
  readonly spare_resend_ms: number;
  /** Take the relay when no direct path was found this long after the punch instruction. */
  readonly relay_after_ms: number;
  /** Stop direct checks this long after the punch started. */
  readonly punch_timeout_ms: number;
  /** The initiator asks again when it heard nothing from the peer this long after starting. */
  readonly peer_silent_ms: number;
  readonly connects_max: number;
  /**
   * Conntrack clash recovery (repunch.ts): a simultaneous open with no direct pair this long
   * after its start is re-punched from a spare socket (a fresh port, so a fresh conntrack tuple).
   * Attempt k runs at start + (k + 1) x this, led by the controlling side for even k and by the
   * other side for odd k: the side whose NAT lacks an inbound firewall must send first, and
   * neither side can tell which one that is.
   */
  readonly repunch_after_ms: number;
  /** Re-punch attempts per punch session (both sides together); 0 turns re-punching off. */
  readonly repunch_attempts_max: number;
  /** While relayed, the initiator retries a direct punch this often (relay -> direct upgrade). */
  readonly upgrade_interval_ms: number;
  readonly upgrades_max: number;
  readonly keepalive_ms: number;
  readonly keepalive_misses_max: number;
  /** Re-register (keeps the server-side NAT binding and the registration alive). */
  readonly register_refresh_ms: number;
  readonly request_rto_ms: number;
  readonly request_retries_max: number;
  readonly transmits_max: number;
  readonly events_max: number;
}

export const PUNCH_DEFAULTS: Omit<PunchClientConfig, 'id' | 'token' | 'server' | 'local'> = {
  spares: [],
  validate_path_changes: false,
  relay_first: false,
  discovery: {},
  pace_ms: 5,
  check_rto_ms: 200,
  check_retries_max: 6,
  first_burst: 2,
  checks_max: 256,
  prediction_window: 16,
  prediction_back: 4,
  pending_retry_ms: 1_000,
  pending_retries_max: 120,
  birthday_probes_max: 1024,
  birthday_pace_ms: 2,
  birthday_port_min: 1024,
  birthday_port_max: 65_535,
  spare_resend_ms: 500,
  relay_after_ms: 3_000,
  punch_timeout_ms: 10_000,
  peer_silent_ms: 1_000,
  connects_max: 4,
  repunch_after_ms: 1_500,
  repunch_attempts_max: 2,
  upgrade_interval_ms: 30_000,
  upgrades_max: 3,
  keepalive_ms: 15_000,
  keepalive_misses_max: 6,
  register_refresh_ms: 15_000,
  request_rto_ms: 250,
  request_retries_max: 7,
  transmits_max: 4_096,
  events_max: 1_024,
};
