// Configuration and limits of the echo client and server. Every table and queue has a named
// bound here, and `resolve*Config` fills defaults and rejects nonsense early (a typed error at
// construction beats odd behaviour mid-run).
import type { Addr } from '../core/addr.ts';
import { ECHO_PAYLOAD_BYTES_LIMIT } from './codec.ts';

export class EchoConfigError extends Error {
  constructor(field: string, why: string) {
    super(`echo config ${field}: ${why}`);
    this.name = 'EchoConfigError';
  }
}

export interface EchoClientConfig {
  /** Where pings go: a unicast server, or a broadcast address to reach every host of a LAN. */
  readonly server: Addr;
  /** Gap between pings. */
  readonly interval_ms?: number;
  /** Pings to send after each `start`; undefined sends until `stop`. */
  readonly count?: number;
  /** Payload per ping (the datagram is ECHO_OVERHEAD_BYTES larger). */
  readonly payload_bytes?: number;
  /** A ping with no pong after this long is counted lost; a later pong is counted late. */
  readonly timeout_ms?: number;
  /** Pings remembered (answered or not); the oldest is judged and forgotten when full. */
  readonly outstanding_max?: number;
  /** Distinct responders remembered per ping (more than one only for broadcast). */
  readonly responders_max?: number;
  /** RTT samples kept for percentiles (reservoir); min/mean/max stay exact. */
  readonly rtt_samples_max?: number;
  /** Events queued for pollEvent before newer ones are dropped (and counted). */
  readonly events_max?: number;
  /** Largest pong payload accepted. */
  readonly payload_bytes_max?: number;
  /** Also answer pings that arrive (a symmetric "peer" mode for NAT tests). */
  readonly respond?: boolean;
  /** Emit one `pong` event per pong (off for very long runs to keep traces small). */
  readonly pong_events?: boolean;
}

export type ResolvedEchoClientConfig = Required<Omit<EchoClientConfig, 'count'>> & { readonly count: number | undefined };

export const ECHO_CLIENT_DEFAULTS = {
  interval_ms: 100,
  payload_bytes: 32,
  timeout_ms: 2_000,
  outstanding_max: 1_024,
  responders_max: 16,
  rtt_samples_max: 4_096,
  events_max: 4_096,
  payload_bytes_max: 1_472,
  respond: false,
  pong_events: true,
} as const;

function positiveInteger(field: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) throw new EchoConfigError(field, `must be an integer >= ${min}, got ${value}`);
  return value;
}

export function resolveEchoClientConfig(config: EchoClientConfig): ResolvedEchoClientConfig {
  const resolved = { ...ECHO_CLIENT_DEFAULTS, ...config, count: config.count };
  if (!(resolved.interval_ms > 0) || !Number.isFinite(resolved.interval_ms)) {
    throw new EchoConfigError('interval_ms', `must be > 0, got ${resolved.interval_ms}`);
  }
  if (!(resolved.timeout_ms > 0) || !Number.isFinite(resolved.timeout_ms)) {
    throw new EchoConfigError('timeout_ms', `must be > 0, got ${resolved.timeout_ms}`);
  }
  if (resolved.count !== undefined) positiveInteger('count', resolved.count, 0);
  positiveInteger('payload_bytes', resolved.payload_bytes, 0);
  positiveInteger('payload_bytes_max', resolved.payload_bytes_max, 0);
  if (resolved.payload_bytes > ECHO_PAYLOAD_BYTES_LIMIT) {
    throw new EchoConfigError('payload_bytes', `at most ${ECHO_PAYLOAD_BYTES_LIMIT}`);
  }
  if (resolved.payload_bytes > resolved.payload_bytes_max) {
    throw new EchoConfigError('payload_bytes', `exceeds payload_bytes_max ${resolved.payload_bytes_max}`);
  }
  positiveInteger('outstanding_max', resolved.outstanding_max);
  positiveInteger('responders_max', resolved.responders_max);
  positiveInteger('rtt_samples_max', resolved.rtt_samples_max);
  positiveInteger('events_max', resolved.events_max);
  return resolved;
}

export interface EchoServerConfig {
  /** Largest ping payload echoed; bigger pings are dropped as malformed. */
  readonly payload_bytes_max?: number;
  /** Distinct client addresses remembered (each first sighting is an event). */
  readonly clients_max?: number;
  readonly events_max?: number;
  /**
   * Send each pong from the address its ping arrived on (for servers bound to several
   * addresses). Off by default: a ping to a broadcast address must not be answered *from*
   * the broadcast address, so by default pongs leave from the machine's primary address.
   */
  readonly reply_from_arrival?: boolean;
}

export type ResolvedEchoServerConfig = Required<EchoServerConfig>;

export const ECHO_SERVER_DEFAULTS = {
  payload_bytes_max: 1_472,
  clients_max: 1_024,
  events_max: 1_024,
  reply_from_arrival: false,
} as const;

export function resolveEchoServerConfig(config: EchoServerConfig = {}): ResolvedEchoServerConfig {
  const resolved = { ...ECHO_SERVER_DEFAULTS, ...config };
  positiveInteger('payload_bytes_max', resolved.payload_bytes_max, 0);
  positiveInteger('clients_max', resolved.clients_max);
  positiveInteger('events_max', resolved.events_max);
  return resolved;
}
