// NatConfig: one NAT box's behaviour, described on the axes of RFC 4787 (BCP 127) plus the
// few knobs real devices add (an inbound firewall, a session-table limit, Linux conntrack's
// tuple clash). A config is plain data so scenarios can print and vary it; validateNatConfig
// rejects impossible values once, at construction, so the hot path never re-checks them.

/** RFC 4787 §4.1: which outbound flows share one external endpoint. */
export type MappingBehaviour = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

/** RFC 4787 §5: which inbound datagrams a mapping admits. */
export type FilteringBehaviour = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

/**
 * RFC 4787 §4.2.1 port assignment. `preserve` keeps the internal port when it is free and
 * inside [min_port, max_port], else uses `fallback` (RFC 4787 REQ-3: no port overloading).
 * `sequential` hands out the next free port after the last one given (per external IP);
 * `random` draws from the Rng.
 */
export interface PortAssignment {
  readonly kind: 'preserve' | 'sequential' | 'random';
  readonly min_port: number;
  readonly max_port: number;
  /** Strategy when `preserve` cannot keep the port. Default 'sequential'. */
  readonly fallback?: 'sequential' | 'random';
}

export interface NatConfig {
  readonly mapping: MappingBehaviour;
  readonly filtering: FilteringBehaviour;
  readonly port_assignment: PortAssignment;
  /**
   * RFC 4787 §4.1 REQ-2 with several external IPs: `paired` gives every mapping of one
   * internal IP the same external IP; `arbitrary` picks an external IP per mapping.
   */
  readonly ip_pooling: 'paired' | 'arbitrary';
  /** Idle time after which a session (and a mapping with no live session) is forgotten. */
  readonly binding_timeout_ms: number;
  /**
   * Longer timeout for a session that has carried traffic both ways (Linux
   * nf_conntrack_udp_timeout_stream, 120 s). Absent: binding_timeout_ms for every session.
   */
  readonly stream_timeout_ms?: number;
  /** RFC 4787 REQ-6: which datagrams restart a session's timer. */
  readonly refresh: 'outbound' | 'both';
  /**
   * RFC 4787 REQ-9: what a datagram from inside to the NAT's own external address does.
   * `internal-source` delivers it with the sender's internal address as source,
   * `external-source` (the RFC's requirement) with the sender's external mapping.
   */
  readonly hairpinning: 'none' | 'internal-source' | 'external-source';
  /**
   * A stateful firewall in front of the NAT drops every inbound datagram the NAT would not
   * admit before it reaches conntrack, so unsolicited traffic never creates state (and so
   * never causes a conntrack clash). Its drops are reported as 'nat-filtered', including
   * datagrams to ports with no mapping. It does not narrow `filtering`.
   */
  readonly inbound_firewall: boolean;
  /** Bound on the session table: outbound flows plus conntrack entries made by inbound. */
  readonly sessions_max: number;
  /**
   * RFC 6888 REQ-4 (CGN): at most this many external ports (mappings) per internal IP, the
   * "subscriber". Absent: no per-host limit. A new mapping over the limit is 'nat-table-full'.
   */
  readonly ports_per_host_max?: number;
  /**
   * Linux conntrack: without an inbound firewall, an unsolicited inbound datagram from R to
   * external E:p creates a conntrack entry (R ↔ E:p). An inside flow that would then use
   * E:p towards R finds that tuple taken and is moved to another external port.
   */
  readonly conntrack_clash: boolean;
}

/** A config value that cannot describe a NAT; thrown by validateNatConfig. */
export class NatConfigError extends Error {
  constructor(readonly field: string, why: string) {
    super(`bad NatConfig.${field}: ${why}`);
    this.name = 'NatConfigError';
  }
}

const PORT_MIN = 1;
const PORT_MAX = 65_535;
const MAPPINGS = ['endpoint-independent', 'address-dependent', 'address-and-port-dependent'];

function checkPositive(field: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw new NatConfigError(field, `must be a positive number, got ${value}`);
}

/** Throws NatConfigError on the first impossible value. */
export function validateNatConfig(config: NatConfig): void {
  if (!MAPPINGS.includes(config.mapping)) throw new NatConfigError('mapping', String(config.mapping));
  if (!MAPPINGS.includes(config.filtering)) throw new NatConfigError('filtering', String(config.filtering));
  const ports = config.port_assignment;
  if (!['preserve', 'sequential', 'random'].includes(ports.kind)) throw new NatConfigError('port_assignment.kind', String(ports.kind));
  if (ports.fallback !== undefined && !['sequential', 'random'].includes(ports.fallback)) {
    throw new NatConfigError('port_assignment.fallback', String(ports.fallback));
  }
  for (const [field, value] of [['min_port', ports.min_port], ['max_port', ports.max_port]] as const) {
    if (!Number.isInteger(value) || value < PORT_MIN || value > PORT_MAX) {
      throw new NatConfigError(`port_assignment.${field}`, `must be an integer in ${PORT_MIN}..${PORT_MAX}, got ${value}`);
    }
  }
  if (ports.min_port > ports.max_port) throw new NatConfigError('port_assignment', `min_port ${ports.min_port} > max_port ${ports.max_port}`);
  if (!['paired', 'arbitrary'].includes(config.ip_pooling)) throw new NatConfigError('ip_pooling', String(config.ip_pooling));
  checkPositive('binding_timeout_ms', config.binding_timeout_ms);
  if (config.stream_timeout_ms !== undefined) {
    checkPositive('stream_timeout_ms', config.stream_timeout_ms);
    // Timers only ever move later; a shorter stream timeout would shorten a refreshed flow.
    if (config.stream_timeout_ms < config.binding_timeout_ms) {
      throw new NatConfigError('stream_timeout_ms', `must be >= binding_timeout_ms (${config.binding_timeout_ms}), got ${config.stream_timeout_ms}`);
    }
  }
  if (!['outbound', 'both'].includes(config.refresh)) throw new NatConfigError('refresh', String(config.refresh));
  if (!['none', 'internal-source', 'external-source'].includes(config.hairpinning)) {
    throw new NatConfigError('hairpinning', String(config.hairpinning));
  }
  if (!Number.isInteger(config.sessions_max) || config.sessions_max < 1) {
    throw new NatConfigError('sessions_max', `must be a positive integer, got ${config.sessions_max}`);
  }
  const perHost = config.ports_per_host_max;
  if (perHost !== undefined && (!Number.isInteger(perHost) || perHost < 1)) {
    throw new NatConfigError('ports_per_host_max', `must be a positive integer, got ${perHost}`);
  }
}
