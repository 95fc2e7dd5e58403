// Kernel-NAT lab, cone-cone and same-lan: real nftables routers in namespaces, `peerlab connect`
// peers behind them, compared with the simulator's mirror (see runtime-node/lab/cases.ts).
import { describe, it } from 'vitest';
import { checkLabCase, lab_case_timeout_ms, labSkip } from './lab-case.ts';

describe.skipIf(labSkip !== undefined)('kernel-NAT lab: cone-cone, same-lan', () => {
  for (const name of ['cone-cone', 'same-lan']) {
    it(name, () => checkLabCase(name), lab_case_timeout_ms);
  }
});
