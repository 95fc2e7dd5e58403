// The expected outcome of every nat-matrix cell, derived from the NAT rules (RFC 4787 axes of
// each preset in runtime-sim/nat/presets.ts) and from what each technique needs, NOT from
// running it. The strategy both peers pick comes from the two NAT reports (protocol/punch/
// strategy.ts); the reasons below say why that strategy gets through, or why nothing does.
//
// The presets on the axes that matter (mapping / filtering / port allocation):
//   open                      EIM / EIF  / preserve      "easy", filter open to anyone
//   full-cone                 EIM / EIF  / sequential    "easy", filter open to anyone
//   restricted-cone           EIM / ADF  / sequential    "easy", filter by IP
//   port-restricted-cone      EIM / APDF / sequential    "easy", filter by IP and port
//   linux-masquerade          EIM / APDF / preserve      "easy", but conntrack clash (below)
//   linux-masquerade-firewall EIM / APDF / preserve      "easy", no clash
//   cgnat (home PRC in CGN)   EIM / APDF / random        EIM o EIM = EIM; APDF at both levels
//   symmetric-sequential      APDM / APDF / sequential   "hard", next port = last + 1
//   symmetric                 APDM / APDF / random       "hard", ports uniform in 1024-65535
import type { NatPresetName } from '../../runtime-sim/nat/presets.ts';
import { birthdayProbability } from '../../protocol/punch/strategy.ts';

export const MATRIX_PRESETS: readonly NatPresetName[] = [
  'open',
  'full-cone',
  'restricted-cone',
  'port-restricted-cone',
  'symmetric-sequential',
  'symmetric',
  'linux-masquerade',
  'linux-masquerade-firewall',
  'cgnat',
];

export type ExpectedTechnique = 'simultaneous-open' | 'prediction' | 'birthday' | 'relay' | 'host' | 'hairpin';

export interface CellExpectation {
  readonly path: 'direct' | 'relay';
  readonly technique: ExpectedTechnique;
  /** Birthday cells whose success is a matter of chance: the analytic probability of direct. */
  readonly chance?: { readonly open_ports: number; readonly probes: number; readonly port_range: number };
  readonly why: string;
}

type Kind = 'eif' | 'adf' | 'apdf' | 'clash' | 'seq' | 'random';

const KIND: Record<NatPresetName, Kind> = {
  open: 'eif',
  'full-cone': 'eif',
  'restricted-cone': 'adf',
  'port-restricted-cone': 'apdf',
  'linux-masquerade': 'clash',
  'linux-masquerade-firewall': 'apdf',
  cgnat: 'apdf',
  'symmetric-sequential': 'seq',
  symmetric: 'random',
};

/** Birthday sizes (nat.md 2.2): 256 ports opened on the hard side, 1024 random probes. */
export const BIRTHDAY = { open_ports: 256, probes: 1024, port_range: 65_535 - 1024 + 1 } as const;

const WHY = {
  easyEasy:
    'both EIM: each reflexive address (learned via the server) is the one the peer will see; the server starts both at once, each outbound probe opens its own filter for the exact ip:port of the other, so simultaneous open passes APDF, ADF and EIF alike',
  clash:
    'both EIM, but Linux conntrack without a firewall: if a side\'s first probe is lost and the peer\'s arrives first, it creates a conntrack entry and our later probe is moved to another port (the peer filters it); first probes go out twice and, failing that, the relay carries the flow until the initiator re-punches after the 30 s conntrack timer has forgotten the entry (relay -> direct upgrade). At 0% loss the synchronised start means our probe always leaves first',
  predict:
    'the hard side is APDM with sequential ports: its first new destination is the easy side\'s reflexive address, so that mapping takes last_port + delta, which it advertised; the easy side probes that port and the next 15, one of which is the live mapping that already points at the easy side\'s address (APDF on the hard side passes), while the easy side\'s own probes open its filter',
  lockstep:
    'both APDM with sequential ports: each side sends its j-th probe to the peer\'s predicted base + j and nothing else new, so its j-th new mapping (own base + j) points exactly at the peer\'s j-th, and the peer\'s j-th probe comes from there: the j-th pair matches on both filters',
  birthdayOpen:
    'EIM + EIF easy side versus APDM random: the hard side\'s probes from its primary and 256 spare ports reach the easy side (EIF admits any source), which answers to their source: deterministic success (the birthday strategy, but no chance involved)',
  birthdayAdf:
    'EIM + ADF easy side versus APDM random: once the easy side has sent anything to the hard side\'s IP, ADF admits every port of that IP, so the spare-port probes get in and are answered: deterministic success',
  birthdayChance:
    'EIM + APDF easy side versus APDM random (ports uniform over 1024-65535): the easy side\'s filter only opens for ports it probed, the hard side\'s only for the easy side\'s reflexive address; with 256 hard-side ports open and 1024 distinct random probes, P(hit) = 1 - prod(1 - 256/(64512 - i)) ~ 98.4% per attempt (nat.md 2.2; at 5% loss ~5% of probes never leave, 973 probes: ~98.0%). The easy side sprays first and signals it through the relay; the hard side opens its ports only after the spray, so a hit arrives as a reply to the easy side\'s own outbound probe (under Linux without a firewall, an earlier unsolicited arrival would create a conntrack entry and move the easy side\'s probe to another port). A miss takes the relay; the 30 s re-punch gives a second draw',
  hardHard:
    'APDM on both sides with at least one random allocator: no side has an address valid for the other (each new destination is a fresh unpredictable port) and birthday probing across two hard NATs needs ~54,000 probes per side for 50% (nat.md 2.2), so the peers use the relay',
};

function cell(a: NatPresetName, b: NatPresetName): CellExpectation {
  const ka = KIND[a];
  const kb = KIND[b];
  const easy = (k: Kind): boolean => k !== 'seq' && k !== 'random';
  if (easy(ka) && easy(kb)) {
    return ka === 'clash' || kb === 'clash' ? { path: 'direct', technique: 'simultaneous-open', why: WHY.clash } : { path: 'direct', technique: 'simultaneous-open', why: WHY.easyEasy };
  }
  if (ka === 'seq' && kb === 'seq') return { path: 'direct', technique: 'prediction', why: WHY.lockstep };
  if ((ka === 'seq' && easy(kb)) || (kb === 'seq' && easy(ka))) return { path: 'direct', technique: 'prediction', why: WHY.predict };
  const easySide = easy(ka) ? ka : easy(kb) ? kb : undefined;
  if (easySide === undefined) return { path: 'relay', technique: 'relay', why: WHY.hardHard };
  if (easySide === 'eif') return { path: 'direct', technique: 'birthday', why: WHY.birthdayOpen };
  if (easySide === 'adf') return { path: 'direct', technique: 'birthday', why: WHY.birthdayAdf };
  return { path: 'direct', technique: 'birthday', chance: BIRTHDAY, why: WHY.birthdayChance };
}

/** Every unordered pair of presets (row <= column in MATRIX_PRESETS order). */
export function matrixPairs(): Array<[NatPresetName, NatPresetName]> {
  const pairs: Array<[NatPresetName, NatPresetName]> = [];
  for (let i = 0; i < MATRIX_PRESETS.length; i++) for (let j = i; j < MATRIX_PRESETS.length; j++) pairs.push([MATRIX_PRESETS[i]!, MATRIX_PRESETS[j]!]);
  return pairs;
}

export function expectedCell(a: NatPresetName, b: NatPresetName): CellExpectation {
  return cell(a, b);
}

export const SAME_LAN_EXPECTATION: CellExpectation = {
  path: 'direct',
  technique: 'host',
  why: 'both peers behind one NAT report the same public IP, so each also probes the other\'s host (LAN) address; that path needs no NAT at all and has the lowest RTT',
};

export const SAME_CGN_EXPECTATION: CellExpectation = {
  path: 'direct',
  technique: 'hairpin',
  why: 'two homes behind one carrier NAT share its public IP; the LAN addresses are in different homes, but the CGN hairpins with the external source (RFC 4787 REQ-9), so probes to each other\'s reflexive address loop back through it and open both home filters',
};

export const OVERLAP_LAN_EXPECTATION: CellExpectation = {
  path: 'direct',
  technique: 'hairpin',
  why: 'two homes behind one carrier NAT whose LANs use the same addresses and ports: each peer\'s host candidate (10.0.1.2:5000) is its own socket, so its probe to it comes straight back to itself; the probe carries the controlling role bit and the peer drops its own role (never acking itself), so the only working pair is the hairpin through the carrier NAT, as in same-cgn',
};

/** The analytic direct probability of a chance cell. */
export function analyticDirect(expectation: CellExpectation, loss: number): number | undefined {
  const c = expectation.chance;
  if (!c) return undefined;
  // A random probe lost on the easy side's own access link opens no filter and reaches no port.
  return birthdayProbability(c.open_ports, Math.round(c.probes * (1 - loss)), c.port_range);
}

export const UPGRADE_EXPECTATION: CellExpectation = {
  path: 'direct',
  technique: 'simultaneous-open',
  why: 'two port-restricted cones cut off from each other (not from the server) for the first 12 s: the first punch fails, the relay carries the flow, and the initiator\'s re-punch 30 s after the failure finds the cut healed, so the path ends direct (relay -> direct upgrade)',
};
