// The rendezvous server's configuration: every table, rate and relay limit by name, with the
// defaults. The attack suite and docs/security.md quote these names; a limit changes here.
//   registrations_max 10,000 (per prefix 256), pending_max 1,000 (per prefix 64, one per id),
//   circuits_max 256 (per id 4), relay: 4 MiB/s per circuit, 64 MiB/s per server, 64 MiB per
//   pair per 10 min window; control 50/s (burst 100), STUN 50/s (burst 100) per /24 or /64;
//   punches 10/s (burst 20) per destination prefix; cookies rotate every 2 min.
import type { Addr } from '../core/addr.ts';
import type { RelayLimits } from './relay-table.ts';

/** The relay's limits (circuits, rates, pair budgets) are RelayLimits, documented there. */
export interface RendezvousServerConfig extends RelayLimits {
  readonly primary: Addr;
  /** With an alternate address the server also answers RFC 5780 CHANGE-REQUESTs. */
  readonly alternate?: Addr;
  readonly registrations_max: number;
  /** Registrations one source prefix (/24, /64) may hold; more evict that prefix's oldest. */
  readonly registrations_per_prefix_max: number;
  readonly registration_ttl_ms: number;
  /** Cookie secret rotation period; a cookie is valid for one to two periods. */
  readonly cookie_bucket_ms: number;
  /** Dial requests waiting for their target's consent (one per id; fair by prefix). */
  readonly pending_max: number;
  readonly pending_per_prefix_max: number;
  readonly pending_ttl_ms: number;
  /** Per-source-prefix token bucket over control messages (relay frames and STUN are separate). */
  readonly rate_per_s: number;
  readonly rate_burst: number;
  /** Per-source-prefix token bucket over STUN Binding requests (the one reply larger than its request). */
  readonly stun_rate_per_s: number;
  readonly stun_rate_burst: number;
  /** Punches sent to one destination prefix. */
  readonly punch_rate_per_s: number;
  readonly punch_rate_burst: number;
  /** Cells of each rate limiter (fixed memory; sources are hashed, never evicted). */
  readonly sources_max: number;
  /** RTTs above this are clamped when timing the punch. */
  readonly punch_rtt_max_ms: number;
  /** A repeated connect within this time re-sends the same punch (one side may have lost it). */
  readonly punch_reuse_ms: number;
  readonly sweep_interval_ms: number;
  readonly sweep_budget: number;
  readonly transmits_max: number;
  readonly events_max: number;
  /** Emit an event per registration / punch (off for benchmarks). */
  readonly verbose_events: boolean;
}

export const DEFAULT_RENDEZVOUS: Omit<RendezvousServerConfig, 'primary'> = {
  registrations_max: 10_000,
  registrations_per_prefix_max: 256,
  registration_ttl_ms: 60_000,
  cookie_bucket_ms: 120_000, // WireGuard rotates its cookie secret every 2 min
  pending_max: 1_000,
  pending_per_prefix_max: 64,
  pending_ttl_ms: 30_000,
  circuits_max: 256,
  circuits_per_id_max: 4,
  circuit_bytes_max: 64 * 1024 * 1024, // 64 MiB per pair per window: a 16 MiB transfer fits 4x
  circuit_window_ms: 600_000,
  circuit_duration_ms: 600_000,
  circuit_rate_bytes_per_s: 4 * 1024 * 1024, // 32 Mbit/s: 16 MiB in ~4 s of relaying
  circuit_burst_bytes: 512 * 1024,
  relay_rate_bytes_per_s: 64 * 1024 * 1024,
  relay_burst_bytes: 4 * 1024 * 1024,
  pair_budgets_max: 4_096,
  rate_per_s: 50,
  rate_burst: 100,
  stun_rate_per_s: 50,
  stun_rate_burst: 100,
  punch_rate_per_s: 10,
  punch_rate_burst: 20,
  sources_max: 65_536,
  punch_rtt_max_ms: 5_000,
  punch_reuse_ms: 5_000,
  sweep_interval_ms: 1_000,
  sweep_budget: 1_024,
  transmits_max: 4_096,
  events_max: 4_096,
  verbose_events: true,
};
