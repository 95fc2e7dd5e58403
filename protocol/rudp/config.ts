// Every knob and limit of the secure transport, with defaults drawn from RFC 9002, quinn
// and WireGuard (docs/reference/transport.md has the sources). Units are in the names.
import type { RudpHashName } from './hash-suite.ts';

export type CongestionName = 'newreno' | 'bbr';
export type StreamMode = 'stream' | 'message';

export interface RudpConfig {
  readonly hash: RudpHashName;
  /** Whole UDP payload budget per datagram (QUIC's minimum 1200). */
  readonly datagram_bytes: number;
  readonly congestion: CongestionName;
  readonly mode: StreamMode;
  /** Receive flow-control window and receive buffer bound. */
  readonly stream_window_bytes: number;
  /** Send buffer bound: write() accepts at most this much unacknowledged data. */
  readonly send_buffer_bytes: number;
  readonly message_bytes_max: number;
  readonly datagram_queue_max: number;
  readonly initial_rtt_ms: number;
  readonly max_ack_delay_ms: number;
  /** Acknowledge at once after this many ack-eliciting packets (RFC 9000: 2). */
  readonly ack_eliciting_threshold: number;
  readonly pto_max_ms: number;
  readonly handshake_rto_ms: number;
  readonly handshake_rto_max_ms: number;
  readonly handshake_timeout_ms: number;
  readonly idle_timeout_ms: number;
  readonly keepalive_interval_ms: number;
  /** How long a closed connection lingers to acknowledge retransmitted FINs. */
  readonly drain_ms: number;
  readonly rekey_after_messages: number;
  readonly rekey_after_ms: number;
  readonly replay_window_packets: number;
  readonly connections_max: number;
  /** Half-open handshakes at which the responder demands cookies (WireGuard "under load"). */
  readonly cookie_threshold_pending: number;
  /** Half-open handshakes beyond which initiations are dropped outright. */
  readonly handshakes_pending_max: number;
  readonly cookie_secret_rotate_ms: number;
  readonly cookie_lifetime_ms: number;
  /** Remembered initiation ephemerals, to refuse replays. */
  readonly initiations_seen_max: number;
  readonly pacing_burst_packets: number;
  readonly pacing_burst_ms: number;
  readonly stats_interval_ms: number;
  /** Optional path-MTU probing up to this UDP payload size (0 = off). */
  readonly pmtu_probe_max_bytes: number;
  /** Shared key mixed into mac1/cookies; peers must agree (a cheap network filter). */
  readonly network_key: string;
  /**
   * Thin-stream loss recovery (docs/rudp.md): ACK ranges pruned once the peer has seen them
   * acknowledged, PTO probes that carry the oldest unacknowledged data, and redundant
   * bundling of the newest unacknowledged bytes in mostly empty packets of a thin stream.
   * Off reproduces the wave-1 behaviour (benchmarks use it as the same-run baseline).
   */
  readonly thin_stream_recovery: boolean;
}

export const DEFAULT_CONFIG: RudpConfig = {
  hash: 'BLAKE2s',
  datagram_bytes: 1200,
  congestion: 'newreno',
  mode: 'stream',
  stream_window_bytes: 8 * 1024 * 1024,
  send_buffer_bytes: 8 * 1024 * 1024,
  message_bytes_max: 1024 * 1024,
  datagram_queue_max: 64,
  initial_rtt_ms: 333,
  max_ack_delay_ms: 25,
  ack_eliciting_threshold: 2,
  pto_max_ms: 4_000,
  handshake_rto_ms: 500,
  handshake_rto_max_ms: 4_000,
  handshake_timeout_ms: 20_000,
  idle_timeout_ms: 30_000,
  keepalive_interval_ms: 10_000,
  drain_ms: 3_000,
  rekey_after_messages: 2 ** 40,
  rekey_after_ms: 120_000,
  replay_window_packets: 4096,
  connections_max: 1024,
  cookie_threshold_pending: 64,
  handshakes_pending_max: 1024,
  cookie_secret_rotate_ms: 120_000,
  cookie_lifetime_ms: 120_000,
  initiations_seen_max: 4096,
  pacing_burst_packets: 10,
  pacing_burst_ms: 2,
  stats_interval_ms: 100,
  pmtu_probe_max_bytes: 0,
  network_key: 'peerlab-rudp-v1',
  thin_stream_recovery: true,
};

export function resolveConfig(partial: Partial<RudpConfig> = {}): RudpConfig {
  type Mutable<T> = { -readonly [K in keyof T]: T[K] };
  const config: Mutable<RudpConfig> = { ...DEFAULT_CONFIG, ...partial };
  if (partial.message_bytes_max === undefined) config.message_bytes_max = Math.min(DEFAULT_CONFIG.message_bytes_max, Math.floor(config.stream_window_bytes / 2));
  if (config.datagram_bytes < 256 || config.datagram_bytes > 65_000) throw new RangeError(`datagram_bytes ${config.datagram_bytes}`);
  if (config.message_bytes_max >= config.stream_window_bytes) throw new RangeError('message_bytes_max must be below stream_window_bytes');
  return config;
}
