// peerlab/sim: the seeded discrete-event network simulator (Simulator, realms, hosts, links,
// partitions), the NAT boxes and presets (RFC 4787 axes), the trace records and sinks, the
// on-path adversary, and the contract checker the simulator runs every machine under.
export * from '../runtime-sim/index.ts';
export { Adversary, ADVERSARY_ACTIONS } from '../runtime-sim/adversary.ts';
export type { AdversaryAction, AdversaryConfig } from '../runtime-sim/adversary.ts';
export { ContractChecker, ContractViolation, SpinGuard, CheckedMachine, checked } from '../protocol/core/index.ts';
export type { ContractRule, MachineCall, SpinLimits } from '../protocol/core/index.ts';
