// The `mesh` suite: py2p parity over secure sessions, protocol identity, leases, churn with
// loss (Plumtree against flooding in the same run) and a healed partition of sync replicas.
// The 1,000-peer scenarios are slow (tens of seconds each), run over plain datagrams in an
// untraced simulator of their own and write their figures to the run's trace.
import type { Scenario } from '../scenario.ts';
import { churnScenario } from './churn.ts';
import { leaseScenario } from './lease.ts';
import { mismatchScenarios } from './mismatch.ts';
import { partitionScenario } from './partition.ts';
import { secureBroadcast } from './secure-broadcast.ts';
import { natMeshScenario } from './nat-50.ts';

export const meshScenarios: Scenario[] = [
  secureBroadcast(12, 0.05, false),
  { ...secureBroadcast(50, 0.05, true), heavy: true },
  ...mismatchScenarios,
  leaseScenario,
  churnScenario({ peers: 100, loss: 0.1, churn: 0.2, broadcasts: 20, slow: false, untraced: false, with_flood: true }),
  partitionScenario({ peers: 60, slow: false, untraced: false }),
  { ...churnScenario({ peers: 1000, loss: 0.1, churn: 0.2, broadcasts: 40, slow: true, untraced: true, with_flood: true }), heavy: true },
  { ...partitionScenario({ peers: 1000, slow: true, untraced: true }), heavy: true },
  // Behind NATs (protocol/overlay: rendezvous, punching, relay, Noise sessions on one port).
  natMeshScenario({ peers: 8, loss: 0.05, broadcasts: 5, whispers: 3, replies: 3, join_spacing_ms: 200, traced: true }),
  { ...natMeshScenario({ peers: 50, loss: 0.05, broadcasts: 10, whispers: 5, replies: 5, join_spacing_ms: 200, traced: false }), heavy: true },
];
