// Named NAT configurations: the classic "cone" names placed on RFC 4787's axes, a carrier-grade
// NAT, and the Linux masquerade router with and without an inbound firewall. Each preset's
// comment says what it models and where the numbers come from (see
// docs/reference/nat.md for the quoted sources). Scenarios may also pass a NatConfig
// of their own; `{ ...NAT_PRESETS['symmetric'], binding_timeout_ms: 30_000 }` is the idiom.
import type { NatConfig } from './config.ts';

/** RFC 4787 REQ-5: a UDP mapping timer MUST NOT expire in less than two minutes. */
const RFC4787_MIN_TIMEOUT_MS = 120_000;
/** RFC 4787 REQ-5c: a default of five minutes or more is RECOMMENDED. */
const RFC4787_RECOMMENDED_TIMEOUT_MS = 300_000;
/** Linux nf_conntrack_udp_timeout (unreplied flows), default 30 s. */
const LINUX_UDP_TIMEOUT_MS = 30_000;
/** Linux nf_conntrack_udp_timeout_stream (flows seen both ways), 120 s since 2018. */
const LINUX_UDP_STREAM_TIMEOUT_MS = 120_000;
/** Session table of a small home router; the Juniper SRX 300 tops out at 64,000 sessions. */
const HOME_SESSIONS_MAX = 65_536;
/** A carrier NAT's table is far larger; a round bound that still caps memory. */
const CGN_SESSIONS_MAX = 1_000_000;
/** Dynamic/private port range (49152-65535), where pion's virtual NAT allocates sequentially. */
const DYNAMIC_PORTS = { min_port: 49_152, max_port: 65_535 } as const;
/** Unprivileged ports: what Linux uses for source ports >= 1024 when it must pick one. */
const UNPRIVILEGED_PORTS = { min_port: 1024, max_port: 65_535 } as const;

export const NAT_PRESET_NAMES = [
  'open',
  'full-cone',
  'restricted-cone',
  'port-restricted-cone',
  'symmetric',
  'symmetric-sequential',
  'cgnat',
  'linux-masquerade',
  'linux-masquerade-firewall',
] as const;

export type NatPresetName = (typeof NAT_PRESET_NAMES)[number];

/**
 * `open`: the most permissive NAT: endpoint-independent mapping and filtering, the internal
 * port kept, refreshed both ways, hairpinning, a day-long timer. It still rewrites the IP and
 * still needs one outbound datagram to create a mapping; a host with no NAT at all is a host
 * attached to the public realm directly.
 */
const open: NatConfig = {
  mapping: 'endpoint-independent',
  filtering: 'endpoint-independent',
  port_assignment: { kind: 'preserve', ...UNPRIVILEGED_PORTS, fallback: 'sequential' },
  ip_pooling: 'paired',
  binding_timeout_ms: 86_400_000,
  refresh: 'both',
  hairpinning: 'external-source',
  inbound_firewall: false,
  sessions_max: HOME_SESSIONS_MAX,
  conntrack_clash: false,
};

/**
 * `full-cone` (RFC 3489 name): EIM + EIF, the "easy" NAT in the Tailscale table (nat.md §1.3).
 * Ports are sequential in 49152-65535 like pion's vnet NAT and zerotier's FULL_CONE_NAT (no
 * port preservation), so protocols cannot get away with assuming the port is kept. Timer:
 * RFC 4787 REQ-5's two-minute floor, refreshed by outbound traffic only (REQ-6 MUST).
 * Hairpinning with the external source (REQ-9).
 */
const fullCone: NatConfig = {
  mapping: 'endpoint-independent',
  filtering: 'endpoint-independent',
  port_assignment: { kind: 'sequential', ...DYNAMIC_PORTS },
  ip_pooling: 'paired',
  binding_timeout_ms: RFC4787_MIN_TIMEOUT_MS,
  refresh: 'outbound',
  hairpinning: 'external-source',
  inbound_firewall: false,
  sessions_max: HOME_SESSIONS_MAX,
  conntrack_clash: false,
};

/** `restricted-cone`: full cone with address-dependent filtering (EIM + ADF, nat.md §1.3). */
const restrictedCone: NatConfig = { ...fullCone, filtering: 'address-dependent' };

/**
 * `port-restricted-cone`: EIM + APDF, the NAT most home routers are today ("much more likely
 * to be Port-Restricted Cone", Tailscale, nat.md §1.3).
 */
const portRestrictedCone: NatConfig = { ...fullCone, filtering: 'address-and-port-dependent' };

/**
 * `symmetric`: APDM + APDF with random ports in 1024-65535, the "hard" NAT of enterprise
 * gateways (nat.md §1.3, zerotier SYMMETRIC_NAT). Every destination gets a new unpredictable
 * port, so hole punching needs birthday probing or a relay (nat.md §2.2). No hairpinning:
 * "a great many otherwise well-behaved NAT devices don't support hairpinning" (§2.3).
 */
const symmetric: NatConfig = {
  mapping: 'address-and-port-dependent',
  filtering: 'address-and-port-dependent',
  port_assignment: { kind: 'random', ...UNPRIVILEGED_PORTS },
  ip_pooling: 'paired',
  binding_timeout_ms: RFC4787_MIN_TIMEOUT_MS,
  refresh: 'outbound',
  hairpinning: 'none',
  inbound_firewall: false,
  sessions_max: HOME_SESSIONS_MAX,
  conntrack_clash: false,
};

/**
 * `symmetric-sequential`: symmetric, but ports handed out in sequence (pion's vnet allocator),
 * so the next mapping's port is predictable: the case port-prediction traversal targets.
 */
const symmetricSequential: NatConfig = { ...symmetric, port_assignment: { kind: 'sequential', ...DYNAMIC_PORTS } };

/**
 * `cgnat`: the carrier's box (NAT444, RFC 6598 shared space 100.64.0.0/10 inside). This preset
 * is ONE box; the network builds the two levels: a home NAT (any preset) whose realm is this
 * box's inside, this box's realm the internet. EIM (RFC 6888 requires RFC 4787 behaviour),
 * APDF, paired pooling over several external IPs (RFC 4787 REQ-2 / RFC 6888), random ports,
 * the five-minute recommended timer (REQ-5c), hairpinning with the external source so two
 * customers behind one CGN can reach each other (nat.md §2.3), and a large session table.
 * No per-subscriber port quota by default; set `ports_per_host_max` (RFC 6888 REQ-4) to
 * study port exhaustion.
 */
const cgnat: NatConfig = {
  mapping: 'endpoint-independent',
  filtering: 'address-and-port-dependent',
  port_assignment: { kind: 'random', ...UNPRIVILEGED_PORTS },
  ip_pooling: 'paired',
  binding_timeout_ms: RFC4787_RECOMMENDED_TIMEOUT_MS,
  refresh: 'outbound',
  hairpinning: 'external-source',
  inbound_firewall: false,
  sessions_max: CGN_SESSIONS_MAX,
  conntrack_clash: false,
};

/**
 * `linux-masquerade`: a Linux router doing `masquerade` with no inbound firewall rule.
 * Conntrack keeps the source port when the reply tuple is free (looks like EIM with port
 * preservation); only replies to an entry pass (APDF); timers are nf_conntrack_udp_timeout
 * (30 s) and _stream (120 s once a flow went both ways; the kernel also waits until the flow
 * is 2 s old, not modelled), refreshed by traffic in either direction. When it must move a port it searches the unprivileged range (kernel
 * nf_nat_proto_common.c uses 1024-65535 for source ports >= 1024). Where the search starts
 * differs by kernel (3.x: a per-protocol rover, i.e. sequential; we take a random start, our
 * reading of newer kernels): the lab calibration (runtime-node/lab) is the judge.
 * Unsolicited inbound creates a conntrack entry, so the conntrack clash
 * applies (see nat-box.ts). No hairpinning: a LAN datagram to the router's own address
 * matches no reply tuple and is delivered to the router itself.
 * Simplification: Linux allows two inside hosts to share an external port towards different
 * remotes (the tuple differs); here the second host gets another port.
 */
const linuxMasquerade: NatConfig = {
  mapping: 'endpoint-independent',
  filtering: 'address-and-port-dependent',
  port_assignment: { kind: 'preserve', ...UNPRIVILEGED_PORTS, fallback: 'random' },
  ip_pooling: 'paired',
  binding_timeout_ms: LINUX_UDP_TIMEOUT_MS,
  stream_timeout_ms: LINUX_UDP_STREAM_TIMEOUT_MS,
  refresh: 'both',
  hairpinning: 'none',
  inbound_firewall: false,
  sessions_max: HOME_SESSIONS_MAX,
  conntrack_clash: true,
};

/**
 * `linux-masquerade-firewall`: the same router with the usual inbound rule (`ct state
 * established,related accept; drop` on the WAN side), so unsolicited datagrams are dropped
 * before they create conntrack state: no clash, naive simultaneous open works.
 */
const linuxMasqueradeFirewall: NatConfig = { ...linuxMasquerade, inbound_firewall: true };

/** Freezes a config and its port assignment, so a scenario cannot alter a shared preset. */
function frozen(config: NatConfig): NatConfig {
  return Object.freeze({ ...config, port_assignment: Object.freeze({ ...config.port_assignment }) });
}

export const NAT_PRESETS: Readonly<Record<NatPresetName, NatConfig>> = Object.freeze({
  open: frozen(open),
  'full-cone': frozen(fullCone),
  'restricted-cone': frozen(restrictedCone),
  'port-restricted-cone': frozen(portRestrictedCone),
  symmetric: frozen(symmetric),
  'symmetric-sequential': frozen(symmetricSequential),
  cgnat: frozen(cgnat),
  'linux-masquerade': frozen(linuxMasquerade),
  'linux-masquerade-firewall': frozen(linuxMasqueradeFirewall),
});

export function isNatPresetName(name: string): name is NatPresetName {
  return (NAT_PRESET_NAMES as readonly string[]).includes(name);
}

/** The config of a preset (a fresh copy, safe to spread and modify). */
export function natPreset(name: NatPresetName): NatConfig {
  const config = NAT_PRESETS[name];
  return { ...config, port_assignment: { ...config.port_assignment } };
}
