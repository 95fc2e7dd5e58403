// peerlab: the whole public API as namespaces (`import * as peerlab from 'peerlab'`, then
// peerlab.sim.Simulator). Each is also its own entry point (peerlab/core, peerlab/sim, ...),
// which is the better import: it loads only what it names. peerlab/test and peerlab/arb are
// not here because they need vitest and fast-check (peer dependencies).
export * as core from './core.ts';
export * as sim from './sim.ts';
export * as protocols from './protocols.ts';
export * as node from './node.ts';
export * as scenario from './scenario.ts';
