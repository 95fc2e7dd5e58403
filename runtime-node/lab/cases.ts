// The kernel-NAT lab's cases: two peers `a` and `b` behind real nftables routers. Each case
// is one topology; sim-mirror.ts builds the same one in the simulator for the comparison.
import type { LabNatKind } from './nat-rules.ts';
import { publicNat, type LabTopologySpec } from './topology.ts';

export interface LabCase {
  readonly name: string;
  readonly description: string;
  readonly topology: LabTopologySpec;
  /** Whether plain simultaneous UDP probes between the peers' mapped addresses get through. */
  readonly probeExpectation: 'both' | 'one' | 'none';
  /**
   * Start b's hellos this long before a's (both worlds), to pin down an order the outcome
   * depends on; without it the kernel's process start-up jitter would pick the order.
   */
  readonly probe_b_lead_ms?: number;
  /**
   * Before the peers start, b sends unsolicited datagrams from its peer port to a's public
   * address and peer port (both worlds), so the order that decides a conntrack clash is fixed.
   */
  readonly preseed?: boolean;
  /** Which peer sends the preseed (default b, towards a's public port). */
  readonly preseed_from?: 'a' | 'b';
  /** The path `peerlab connect` must end up on (the kernel and the simulator must agree too). */
  readonly expectedPath: 'direct' | 'relay';
  /**
   * Run the rendezvous with `--alternate` (RFC 5780: four address/port pairs), so each peer
   * classifies its own NAT and the strategy (prediction, birthday) follows from the reports.
   */
  readonly rfc5780?: boolean;
  /** With rfc5780: each peer's NAT summary (natSummary(): "EIM/APDF/preserve"). */
  readonly expectedNat?: { readonly a: string; readonly b: string };
  /** With rfc5780: the technique of the path the initiator reports. */
  readonly expectedTechnique?: string;
}

/**
 * The usual lab topology: a behind `nat-a` (203.0.113.10, LAN 10.0.1.0/24) and b behind
 * `nat-b` (198.51.100.20, LAN 10.0.2.0/24), each NAT straight on the internet.
 */
function twoNats(kindA: LabNatKind, kindB: LabNatKind): LabTopologySpec {
  return {
    nats: [publicNat('nat-a', kindA, '203.0.113.10', 1), publicNat('nat-b', kindB, '198.51.100.20', 2)],
    hosts: [
      { name: 'a', ip: '10.0.1.2', nat: 'nat-a' },
      { name: 'b', ip: '10.0.2.2', nat: 'nat-b' },
    ],
  };
}

export const LAB_CASES: readonly LabCase[] = [
  {
    name: 'cone-cone',
    description: 'port-restricted cone (masquerade + firewall) on both sides',
    topology: twoNats('port-restricted-cone', 'port-restricted-cone'),
    expectedPath: 'direct',
    probeExpectation: 'both',
  },
  {
    name: 'cone-symmetric',
    description: 'port-restricted cone ↔ symmetric (masquerade fully-random + firewall)',
    topology: twoNats('port-restricted-cone', 'symmetric'),
    expectedPath: 'relay',
    probeExpectation: 'none',
  },
  {
    name: 'fullcone-symmetric',
    description: 'full cone (DNAT) ↔ symmetric: the symmetric side can reach the full cone',
    topology: twoNats('full-cone', 'symmetric'),
    expectedPath: 'direct',
    probeExpectation: 'one',
  },
  {
    name: 'symmetric-symmetric',
    description: 'symmetric on both sides: needs the relay',
    topology: twoNats('symmetric', 'symmetric'),
    expectedPath: 'relay',
    probeExpectation: 'none',
  },
  {
    name: 'same-lan',
    description: 'both peers on one LAN behind one port-restricted cone (no hairpinning)',
    topology: {
      nats: [publicNat('nat-a', 'port-restricted-cone', '203.0.113.10', 1)],
      hosts: [
        { name: 'a', ip: '10.0.1.2', nat: 'nat-a' },
        { name: 'b', ip: '10.0.1.3', nat: 'nat-a' },
      ],
    },
    expectedPath: 'direct',
    probeExpectation: 'none',
  },
  {
    name: 'conntrack-clash',
    description: 'masquerade without an inbound firewall ↔ port-restricted cone, one-sided conntrack clash: a re-punches from a spare port',
    topology: twoNats('conntrack-clash', 'port-restricted-cone'),
    // b's hellos reach nat-a before a sends: without a firewall they leave a conntrack entry
    // on a's port, so a's own flow to b is moved to another port (the clash).
    // With the preseed, b's datagram owns the conntrack tuple (nat-a:40000 ↔ b's public
    // 40000) before a's first probe, so a's flow to b is moved to another port and the plain
    // simultaneous open fails. a (controlling) then re-punches from its spare socket, sending
    // first so nat-a holds the new tuple's outbound state before b's probes arrive
    // (protocol/punch/repunch.ts): direct, with no relay fallback.
    preseed: true,
    expectedPath: 'direct',
    probeExpectation: 'none',
    probe_b_lead_ms: 700,
  },
  {
    name: 'conntrack-clash-b',
    description: 'the one-sided clash on the accepting side: port-restricted cone ↔ masquerade without a firewall, a preseeds b; b re-punches from a spare port',
    topology: twoNats('port-restricted-cone', 'conntrack-clash'),
    // a's datagram owns the tuple nat-b:40000 ↔ a's public 40000, so b's flow to a is moved.
    // The controlling side's re-punch (attempt 0, from a's spare) cannot help: a sends first,
    // but its probe reaches nat-b unsolicited and poisons the new tuple too. Attempt 1 is b's:
    // b's probe leaves its own router first, then the notice; a answers (repunch.ts).
    preseed: true,
    preseed_from: 'a',
    expectedPath: 'direct',
    // The plain-UDP check has no preseed: b's hellos lead and die at a's firewall, so a's
    // later hellos meet b's outbound state at nat-b and both get through.
    probeExpectation: 'both',
    probe_b_lead_ms: 700,
  },
  {
    name: 'firewall-preseed',
    description: 'the same early unsolicited datagram against masquerade + firewall: dropped before conntrack, no clash',
    topology: twoNats('port-restricted-cone', 'port-restricted-cone'),
    preseed: true,
    expectedPath: 'direct',
    probeExpectation: 'both',
    probe_b_lead_ms: 700,
  },
  {
    name: 'cgnat',
    description: 'a home router behind a carrier-grade NAT ↔ port-restricted cone',
    topology: {
      nats: [
        publicNat('cgn', 'cgnat', '198.51.100.30', 64),
        { name: 'nat-a', kind: 'port-restricted-cone', parent: 'cgn', wanIp: '10.0.64.2', wanPrefix: 24, gateway: '10.0.64.1', lanIp: '10.0.1.1', lanPrefix: 24 },
        publicNat('nat-b', 'port-restricted-cone', '203.0.113.20', 2),
      ],
      hosts: [
        { name: 'a', ip: '10.0.1.2', nat: 'nat-a' },
        { name: 'b', ip: '10.0.2.2', nat: 'nat-b' },
      ],
    },
    expectedPath: 'direct',
    probeExpectation: 'both',
  },
  {
    name: 'overlap-lan',
    description: 'two homes behind one carrier NAT (no hairpinning) with the same LAN, host address and port: each peer\'s host candidate is its own socket; the role bit in every probe keeps it from connecting to itself, and the relay carries the session',
    topology: {
      nats: [
        publicNat('cgn', 'cgnat', '198.51.100.30', 64),
        { name: 'nat-a', kind: 'port-restricted-cone', parent: 'cgn', wanIp: '10.0.64.2', wanPrefix: 24, gateway: '10.0.64.1', lanIp: '10.0.1.1', lanPrefix: 24 },
        { name: 'nat-b', kind: 'port-restricted-cone', parent: 'cgn', wanIp: '10.0.64.3', wanPrefix: 24, gateway: '10.0.64.1', lanIp: '10.0.1.1', lanPrefix: 24 },
      ],
      hosts: [
        { name: 'a', ip: '10.0.1.2', nat: 'nat-a' },
        { name: 'b', ip: '10.0.1.2', nat: 'nat-b' },
      ],
    },
    // The kernel's masquerade CGN does not hairpin, so no direct pair exists; the wave-1
    // client "connected" to its own socket here and failed.
    expectedPath: 'relay',
    probeExpectation: 'none',
  },
  // With an RFC 5780 rendezvous (--alternate) the peers classify their NATs, so the strategy
  // is chosen from real reports instead of "unknown → try the plain candidates".
  {
    name: 'rfc5780-cone-cone',
    description: 'port-restricted cone on both sides, classified through the RFC 5780 rendezvous',
    topology: twoNats('port-restricted-cone', 'port-restricted-cone'),
    rfc5780: true,
    expectedNat: { a: 'EIM/APDF/preserve', b: 'EIM/APDF/preserve' },
    expectedTechnique: 'simultaneous-open',
    expectedPath: 'direct',
    probeExpectation: 'both',
  },
  {
    name: 'rfc5780-fullcone-symmetric',
    description: 'full cone ↔ symmetric (random ports), classified: birthday probing',
    topology: twoNats('full-cone', 'symmetric'),
    rfc5780: true,
    expectedNat: { a: 'EIM/EIF/preserve', b: 'APDM/APDF/random' },
    expectedTechnique: 'birthday',
    expectedPath: 'direct',
    probeExpectation: 'one',
  },
  {
    name: 'rfc5780-cone-sequential',
    description: 'port-restricted cone ↔ sequential symmetric (nftables numgen), classified: port prediction',
    topology: twoNats('port-restricted-cone', 'symmetric-sequential'),
    rfc5780: true,
    expectedNat: { a: 'EIM/APDF/preserve', b: 'APDM/APDF/seq+1' },
    expectedTechnique: 'prediction',
    expectedPath: 'direct',
    probeExpectation: 'none',
  },
  {
    name: 'rfc5780-symmetric-symmetric',
    description: 'symmetric on both sides, classified: relay at once (no probing)',
    topology: twoNats('symmetric', 'symmetric'),
    rfc5780: true,
    expectedNat: { a: 'APDM/APDF/random', b: 'APDM/APDF/random' },
    expectedTechnique: 'relay',
    expectedPath: 'relay',
    probeExpectation: 'none',
  },
];

export function findCase(name: string): LabCase | undefined {
  return LAB_CASES.find((c) => c.name === name);
}
