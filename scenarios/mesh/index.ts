// The `mesh` suite: py2p parity over secure sessions, protocol identity, leases, churn with
// loss (Plumtree against flooding in the same run) and a healed partition of sync replicas.
// The 1,000-peer scenarios are slow (tens of seconds each) and run over plain datagrams.
import type { Scenario } from '../scenario.ts';
import { churnScenario } from './churn.ts';
import { leaseScenario } from './lease.ts';
import { mismatchScenarios } from './mismatch.ts';
import { partitionScenario } from './partition.ts';
import { secureBroadcast } from './secure-broadcast.ts';

export const meshScenarios: Scenario[] = [
  secureBroadcast(50, 0.05),
  ...mismatchScenarios,
  leaseScenario,
  churnScenario({ peers: 100, loss: 0.1, churn: 0.2, broadcasts: 20, slow: false, with_flood: true }),
  partitionScenario({ peers: 100, slow: false }),
  churnScenario({ peers: 1000, loss: 0.1, churn: 0.2, broadcasts: 60, slow: true, with_flood: true }),
  partitionScenario({ peers: 1000, slow: true }),
];
