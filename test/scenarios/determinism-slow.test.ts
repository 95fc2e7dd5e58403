// Determinism of the slow scenarios (Scenario.slow, or a suite listed as slow in
// scenarios/index.ts): each 16 MiB transfer runs twice and the trace bytes must match. They
// take about a minute together, so they live in their own file (vitest runs files in
// parallel) rather than in the fast shards.
import { registry } from '../../scenarios/index.ts';
import { determinismSuite } from './determinism-shard.ts';

determinismSuite(
  'determinism of slow scenarios',
  registry.scenarios().filter((scenario) => registry.isSlow(scenario)),
);
