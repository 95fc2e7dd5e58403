// nftables rulesets for the lab's NAT routers. Each router namespace has a `wan` interface on
// the public side and a `lan` bridge on the private side. The kinds map onto the simulator's
// NAT presets (runtime-sim/nat), which is what the lab calibrates.
import { natPreset, type NatConfig, type NatPresetName } from '../../runtime-sim/nat/index.ts';

export type LabNatKind =
  /** masquerade + inbound firewall: EIM with port preservation, APDF (port-restricted cone). */
  | 'port-restricted-cone'
  /** masquerade fully-random + inbound firewall: a new random port per destination (symmetric). */
  | 'symmetric'
  /** masquerade with no inbound firewall: unsolicited inbound creates conntrack entries that clash. */
  | 'conntrack-clash'
  /** static DNAT of every inbound UDP port to the one host + masquerade: full cone. */
  | 'full-cone'
  /** a carrier-grade NAT in front of another NAT: masquerade + firewall, like a home router. */
  | 'cgnat'
  /**
   * snat to the next port of a counter for every new flow (nftables `numgen inc`) + inbound
   * firewall: a new port per destination, each one more than the last (sequential symmetric).
   */
  | 'symmetric-sequential';

/** Which simulator preset each kernel router is compared with (docs/architecture.md). */
export const SIM_PRESET: Record<LabNatKind, NatPresetName> = {
  'port-restricted-cone': 'linux-masquerade-firewall',
  symmetric: 'symmetric',
  'conntrack-clash': 'linux-masquerade',
  'full-cone': 'full-cone',
  cgnat: 'linux-masquerade-firewall',
  'symmetric-sequential': 'symmetric-sequential',
};

/**
 * Ports of the sequential router: the counter starts at 0 when the ruleset loads, so the
 * first flow gets `SEQUENTIAL_FIRST_PORT`, like the simulator preset's allocator (49152..).
 */
export const SEQUENTIAL_FIRST_PORT = 49_152;
/** Flows before the counter wraps (the simulator's range is larger; no lab case comes close). */
const SEQUENTIAL_PORTS = 1_024;

/**
 * The simulator NAT for a kernel router: the preset, adjusted where our router is a specific
 * instance of the preset's class (docs/nat-calibration.md says why for each).
 */
export function simNat(kind: LabNatKind): { preset: string; config?: NatConfig } {
  const preset = SIM_PRESET[kind];
  if (kind === 'full-cone') {
    // DNAT + masquerade keeps the source port (masquerade's port preservation); the generic
    // full-cone preset assigns sequential ports like pion's vnet.
    const config = natPreset(preset);
    return { preset: `${preset}+preserve`, config: { ...config, port_assignment: { kind: 'preserve', min_port: 1024, max_port: 65_535, fallback: 'random' } } };
  }
  return { preset };
}

export function natRuleset(kind: LabNatKind, options: { dnatTo?: string; wanIp?: string } = {}): string {
  let masquerade = kind === 'symmetric' ? 'masquerade fully-random' : 'masquerade';
  if (kind === 'symmetric-sequential') {
    if (!options.wanIp) throw new Error('symmetric-sequential needs the outside address to snat to');
    // The nat chain sees only the first datagram of each new conntrack flow, so the counter
    // steps once per new (destination, port): sequential, delta +1.
    // Through a map, not `offset`: numgen yields a host-order integer that the port field would
    // take byte-swapped (49152 came out as port 192, the next flow as 448); a map's values are
    // typed inet_service and come out right.
    const ports = Array.from({ length: SEQUENTIAL_PORTS }, (_, i) => `${i} : ${SEQUENTIAL_FIRST_PORT + i}`).join(', ');
    masquerade = `meta l4proto udp snat to ${options.wanIp}:numgen inc mod ${SEQUENTIAL_PORTS} map { ${ports} }`;
  }
  const nat = [
    'table ip peerlab_nat {',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    oifname "wan" ${masquerade}`,
    '  }',
  ];
  if (kind === 'full-cone') {
    if (!options.dnatTo) throw new Error('full-cone needs the inside host to DNAT to');
    nat.push(
      '  chain prerouting {',
      '    type nat hook prerouting priority dstnat; policy accept;',
      // Every inbound UDP datagram goes to the one inside host, port unchanged: with the
      // masquerade's port preservation that is endpoint-independent mapping and filtering.
      `    iifname "wan" meta l4proto udp dnat to ${options.dnatTo}`,
      '  }',
    );
  }
  nat.push('}');
  const firewall =
    kind === 'conntrack-clash' || kind === 'full-cone'
      ? []
      : [
          'table ip peerlab_filter {',
          '  chain forward {',
          '    type filter hook forward priority filter; policy drop;',
          '    iifname "lan" accept',
          '    ct state established,related accept',
          '  }',
          '  chain input {',
          // Dropping here, before any local delivery, keeps unsolicited inbound from leaving a
          // confirmed conntrack entry behind (the clash the firewall-less router suffers).
          '    type filter hook input priority filter; policy drop;',
          '    iifname "lo" accept',
          '    iifname "lan" accept',
          '    ct state established,related accept',
          '  }',
          '}',
        ];
  return ['flush ruleset', ...nat, ...firewall, ''].join('\n');
}
