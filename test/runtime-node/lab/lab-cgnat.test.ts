// Kernel-NAT lab, cgnat: real nftables routers in namespaces, `peerlab connect`
// peers behind them, compared with the simulator's mirror (see runtime-node/lab/cases.ts).
import { describe, it } from 'vitest';
import { checkLabCase, lab_case_timeout_ms, labSkip } from './lab-case.ts';

describe.skipIf(labSkip !== undefined)('kernel-NAT lab: cgnat', () => {
  for (const name of ['cgnat']) {
    it(name, () => checkLabCase(name), lab_case_timeout_ms);
  }
});
