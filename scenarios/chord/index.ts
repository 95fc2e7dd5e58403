// The `chord` suite: the paper's path lengths (N = 2^6 … 2^12), lookups after 50% of nodes
// fail at once, churn with replicated data and the ring consistency checker, py2p's dict API
// with typed errors, protocol identity, graceful hand-over. All over plain datagrams (the
// simulator's hosts speak ChordNode directly; docs/chord.md says why).
import type { Scenario } from '../scenario.ts';
import { churnScenario } from './churn.ts';
import { dictScenarios } from './dict.ts';
import { failureScenario } from './failures.ts';
import { pathLengthScenarios } from './path-length.ts';
import { natChordScenario } from './nat-100.ts';

export const chordScenarios: Scenario[] = [
  ...dictScenarios,
  ...pathLengthScenarios,
  failureScenario(512),
  churnScenario({ nodes: 200, lifetime_s: 600, churn_s: 120, slow: false }),
  { ...churnScenario({ nodes: 1000, lifetime_s: 3600, churn_s: 300, slow: true }), heavy: true },
  // Behind NATs (protocol/overlay: rendezvous, punching, relay, Noise sessions on one port).
  natChordScenario({ nodes: 10, m_bits: 32, keys: 10, lookups: 10, loss: 0.05, traced: true, phase_ms: 10_000 }),
  { ...natChordScenario({ nodes: 100, m_bits: 32, keys: 30, lookups: 30, loss: 0.05, traced: false, phase_ms: 40_000 }), heavy: true },
];
