// What a peer knows about its own NAT (RFC 4787 axes as measured by RFC 5780 tests) and a
// compact text form for events and tables ("EIM/APDF/seq+1").

export type MappingBehaviour = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent' | 'unknown';
export type FilteringBehaviour = MappingBehaviour;
export type PortAllocation = 'preserve' | 'sequential' | 'random' | 'unknown';

export interface NatReport {
  readonly mapping: MappingBehaviour;
  readonly filtering: FilteringBehaviour;
  readonly allocation: PortAllocation;
  /** Port step between consecutive new mappings (sequential allocation only), else 0. */
  readonly delta: number;
  /** True when the mapped address equals the local address (no NAT on the path). */
  readonly open: boolean;
}

export const UNKNOWN_NAT: NatReport = { mapping: 'unknown', filtering: 'unknown', allocation: 'unknown', delta: 0, open: false };

const SHORT: Record<MappingBehaviour, string> = {
  'endpoint-independent': 'EI',
  'address-dependent': 'AD',
  'address-and-port-dependent': 'APD',
  unknown: '?',
};

export function natSummary(nat: NatReport): string {
  if (nat.open) return 'open';
  const alloc = nat.allocation === 'sequential' ? `seq${nat.delta >= 0 ? '+' : ''}${nat.delta}` : nat.allocation;
  return `${SHORT[nat.mapping]}M/${SHORT[nat.filtering]}F/${alloc}`;
}

/** "Easy" NATs keep one external address for every destination (RFC 4787 EIM, or no NAT). */
export function isEasy(nat: NatReport): boolean {
  return nat.open || nat.mapping === 'endpoint-independent';
}

export function isHard(nat: NatReport): boolean {
  return !nat.open && (nat.mapping === 'address-dependent' || nat.mapping === 'address-and-port-dependent');
}
