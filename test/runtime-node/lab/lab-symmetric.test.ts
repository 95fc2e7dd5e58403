// Kernel-NAT lab, cone-symmetric and symmetric-symmetric: real nftables routers in namespaces, `peerlab connect`
// peers behind them, compared with the simulator's mirror (see runtime-node/lab/cases.ts).
import { describe, it } from 'vitest';
import { checkLabCase, lab_case_timeout_ms, labSkip } from './lab-case.ts';

describe.skipIf(labSkip !== undefined)('kernel-NAT lab: cone-symmetric, symmetric-symmetric', () => {
  for (const name of ['cone-symmetric', 'symmetric-symmetric']) {
    it(name, () => checkLabCase(name), lab_case_timeout_ms);
  }
});
